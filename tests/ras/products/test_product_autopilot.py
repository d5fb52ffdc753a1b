"""A product's preferred tries and gate: stored, listed, checked and documented in its export."""
from __future__ import annotations

import json
import zipfile

import pytest

from ras.products import export as product_export
from ras.products import rows as products
from ras.products import speech as product_speech


def test_a_product_keeps_its_tries_and_gate_and_its_bundle_documents_them(setup):
    ws, role, _, result_id, _ = setup
    product_id = products.create_product(ws=ws, role=role, result_id=result_id, name="narrator")
    assert products.get_product(ws=ws, role=role, product_id=product_id)["max_tries"] == 1
    updated = products.set_autopilot(ws=ws, role=role, product_id=product_id, max_tries=5,
                                     options={"min_auto_score": 72})
    assert updated["max_tries"] == 5 and updated["gate"]["min_auto_score"] == 72
    listed = products.list_products(ws=ws, role=role)[0]
    assert (listed["max_tries"], listed["gate"]["max_cer"]) == (5, 0.25)
    with zipfile.ZipFile(product_export.export_product(ws=ws, role=role, product_id=product_id)) as archive:
        settings = json.loads(archive.read("settings.json"))
        readme = archive.read("README.txt").decode("utf-8")
    assert settings["autopilot"]["max_tries"] == 5 and settings["autopilot"]["gate"]["min_auto_score"] == 72
    assert "max_tries" in settings["autopilot"]["meaning"] and "autopilot" in readme
    assert "text_leak" in settings["autopilot"]["meaning"]  # every hard flag the gate knows is named
    with pytest.raises(ValueError, match="max_tries"):
        products.set_autopilot(ws=ws, role=role, product_id=product_id, max_tries=0)
    with pytest.raises(ValueError, match="measure"):
        product_speech.tts(ws=ws, runner=None, product="narrator", text="Hello.", text_lang="en", max_tries=3)
