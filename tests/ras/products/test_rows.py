"""Product rows: names unique across roles, copied references, every parameter kept."""
from __future__ import annotations

from pathlib import Path

import pytest

from ras.errors import InputError
from ras.products import rows as products
from tabs.api_json import to_json


def test_a_product_copies_its_references_and_keeps_every_parameter(setup):
    ws, role, _, result_id, _ = setup
    product_id = products.create_product(ws=ws, role=role, result_id=result_id, name="hero", note="warm")
    found = products.list_products(ws=ws, role=role)
    assert [p.name for p in found] == ["hero"]
    product = found[0]
    assert Path(product.ref_audio).is_file() and f"products/{product_id}/" in product.ref_audio
    assert len(product.aux_refs) == 1 and Path(product.aux_refs[0]).is_file()
    assert product.aux_clip_ids == (2,)  # the result's aux clip: the timbre check speaks with it again
    assert product.params["top_k"] == 7 and product.params["seed"] == 42
    assert product.parameters["speed"] == 1.1 and product.parameters["gpt"] == "/models/a.ckpt"
    assert (product.score, product.note, product.prompt_lang) == (4.0, "warm", "en")
    assert "path" not in to_json(product)  # gradio_client would take the product for a file


def test_names_are_unique_across_roles_and_rename_checks_too(setup):
    ws, role, other, result_id, other_result = setup
    products.create_product(ws=ws, role=role, result_id=result_id, name="hero")
    with pytest.raises(InputError, match="already exists"):
        products.create_product(ws=ws, role=other, result_id=other_result, name="hero")
    second = products.create_product(ws=ws, role=other, result_id=other_result, name="villain")
    assert {p.name for p in products.list_products(ws=ws)} == {"hero", "villain"}
    with pytest.raises(InputError, match="already exists"):
        products.rename_product(ws=ws, role=other, product_id=second, name="hero")
    assert products.rename_product(ws=ws, role=other, product_id=second, name="villain2").name == "villain2"
    products.delete_product(ws=ws, role=other, product_id=second)
    assert [p.name for p in products.list_products(ws=ws)] == ["hero"]
    assert not (ws.role_dir(other) / "products" / str(second)).exists()


def test_suggested_name_is_free_even_when_the_result_was_kept_before(setup):
    ws, role, _, result_id, _ = setup
    first = products.suggest_name(ws=ws, role=role, result_id=result_id)
    assert first == f"{role}-{result_id}"
    products.create_product(ws=ws, role=role, result_id=result_id, name=first)
    second = products.suggest_name(ws=ws, role=role, result_id=result_id)
    assert second == f"{role}-{result_id}-2"
    products.create_product(ws=ws, role=role, result_id=result_id, name=second)  # accepted as it is
