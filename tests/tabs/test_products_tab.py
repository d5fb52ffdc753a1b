"""The products tab's handlers, called as plain functions: keep a result as a product, list, rename,
export, speak with it and delete it."""
import dataclasses
import zipfile
from pathlib import Path

import gradio as gr
import pytest

from tabs import products as products_tab
from tabs.common import bind
from tests.fixtures.app import write_tone
from tests.fixtures.products import make_result, role_with_clips
from tests.fixtures.ui import build_tab


class WritingRunner:
    """synthesize_now as the queue's engines do it: a take written to the given path."""

    def synthesize_now(self, request, out_path):
        write_tone(Path(out_path), 1.0)


@pytest.fixture
def product_ctx(ui_ctx, tmp_path):
    role = role_with_clips(ui_ctx.ws, tmp_path, "成品", "甲")
    result_id = make_result(ui_ctx.ws, role, tmp_path)
    ctx = dataclasses.replace(ui_ctx, runner=WritingRunner())
    return ctx, build_tab(products_tab, ctx), role, result_id


def listed(ctx, tab, role, scope="role", current=None) -> dict:
    return products_tab.listing(ctx, tab, role=role, scope=scope, current=current)


def test_a_kept_result_is_listed_renamed_spoken_with_exported_and_deleted(product_ctx):
    ctx, tab, role, result_id = product_ctx
    products_tab.create(ctx, tab, role=role, result_id=result_id, name="narrator", note="warm")
    answer = listed(ctx, tab, role)
    (row,) = answer[tab.table]
    assert row[:3] == ["narrator", role, 1] and row[9] == "warm"
    key = answer[tab.product]["value"]
    assert products_tab.on_product(ctx, tab, key=key)[tab.tts_lang] == "en"  # the reference's language

    products_tab.rename(ctx, tab, key=key, new_name="storyteller")
    assert [r[0] for r in listed(ctx, tab, role, current=key)[tab.table]] == ["storyteller"]
    wav = products_tab.synthesize(ctx, tab, key=key, text="Good morning.", lang="en", emotion="")[tab.tts_audio]
    assert Path(wav).is_file()
    exported = products_tab.export(ctx, tab, key=key)[tab.file]
    assert exported["visible"]  # the file box shows once there is a file
    with zipfile.ZipFile(exported["value"]) as archive:
        assert "settings.json" in archive.namelist()

    products_tab.delete(ctx, tab, key=key)
    answer = listed(ctx, tab, role, current=key)  # the page still showed the deleted product
    assert answer[tab.table] == [] and answer[tab.product]["value"] is None


def test_every_roles_products_are_listed_and_none_without_a_role(product_ctx, tmp_path):
    ctx, tab, role, result_id = product_ctx
    other = role_with_clips(ctx.ws, tmp_path, "成品", "乙")
    products_tab.create(ctx, tab, role=role, result_id=result_id, name="one", note="")
    products_tab.create(ctx, tab, role=other, result_id=make_result(ctx.ws, other, tmp_path), name="two", note="")
    assert sorted(r[0] for r in listed(ctx, tab, role, scope="all")[tab.table]) == ["one", "two"]
    assert listed(ctx, tab, None)[tab.table] == []


def test_mistakes_name_what_to_do(product_ctx):
    ctx, tab, role, result_id = product_ctx
    create = bind(ctx, products_tab.create, tab, ["role", "result_id", "name", "note"])
    with pytest.raises(gr.Error, match="请填写结果编号"):
        create(role, None, "x", "")
    create(role, result_id, "narrator", "")
    with pytest.raises(gr.Error, match="创建成品失败.*already exists"):
        create(role, result_id, "narrator", "")
    with pytest.raises(gr.Error, match="请先选择成品"):
        bind(ctx, products_tab.export, tab, ["key"])(None)
