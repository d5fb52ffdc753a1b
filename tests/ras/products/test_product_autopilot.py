"""A product's preferred tries and gate: stored, listed, checked and documented in its export."""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from ras.errors import InputError
from ras.products import export as product_export
from ras.products import rows as products
from ras.products import speech as product_speech
from tests.fixtures.app import write_tone


def test_a_product_keeps_its_tries_and_gate_and_its_bundle_documents_them(setup):
    ws, role, _, result_id, _ = setup
    product_id = products.create_product(ws=ws, role=role, result_id=result_id, name="narrator")
    assert products.get_product(ws=ws, role=role, product_id=product_id).max_tries == 1
    updated = products.set_autopilot(ws=ws, role=role, product_id=product_id, max_tries=5,
                                     options={"min_auto_score": 72})
    assert updated.max_tries == 5 and updated.gate.min_auto_score == 72
    listed = products.list_products(ws=ws, role=role)[0]
    assert (listed.max_tries, listed.gate.max_cer) == (5, 0.25)
    with zipfile.ZipFile(product_export.export_product(ws=ws, role=role, product_id=product_id)) as archive:
        settings = json.loads(archive.read("settings.json"))
        readme = archive.read("README.txt").decode("utf-8")
    assert settings["autopilot"]["max_tries"] == 5 and settings["autopilot"]["gate"]["min_auto_score"] == 72
    assert "max_tries" in settings["autopilot"]["meaning"] and "autopilot" in readme
    assert "text_leak" in settings["autopilot"]["meaning"]  # every hard flag the gate knows is named
    with pytest.raises(InputError, match="max_tries"):
        products.set_autopilot(ws=ws, role=role, product_id=product_id, max_tries=0)
    with pytest.raises(ValueError, match="measure"):
        product_speech.tts(ws=ws, runner=None, product="narrator", text="Hello.", text_lang="en", max_tries=3)


class WritingRunner:
    """synthesize_now as the queue's engines do it: a take written to the given path."""

    def __init__(self):
        self.takes = 0

    def synthesize_now(self, request, out_path):
        self.takes += 1
        write_tone(Path(out_path), 2.0, seed=self.takes)


def test_tts_goes_on_when_a_take_cannot_be_measured(setup):
    ws, role, _, result_id, _ = setup
    products.create_product(ws=ws, role=role, result_id=result_id, name="narrator")
    measured = []

    def measure_failing_first(wav, text, text_lang, ref, prompt_text=""):
        measured.append(wav)
        if len(measured) == 1:
            raise RuntimeError("analysis gave no answer")
        return {"metrics": {"chars_per_second": 2.5}, "auto_score": 90.0, "flags": []}

    runner = WritingRunner()
    wav = product_speech.tts(ws=ws, runner=runner, product="narrator", text="Hello.", text_lang="en", max_tries=3,
                       measure=measure_failing_first)
    assert runner.takes == 2 and wav == measured[1] and wav.is_file()  # the unmeasured take did not pass

    def never_measures(wav, text, text_lang, ref, prompt_text=""):
        raise RuntimeError("analysis gave no answer")

    runner = WritingRunner()
    wav = product_speech.tts(ws=ws, runner=runner, product="narrator", text="Hello.", text_lang="en", max_tries=3,
                       measure=never_measures)
    assert runner.takes == 3 and wav.is_file()  # every try was made, and a take is still returned
