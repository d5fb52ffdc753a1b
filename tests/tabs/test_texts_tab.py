"""The test-texts tab's handlers, called as plain functions: add, pick, edit and delete a text."""
import gradio as gr
import pandas as pd
import pytest
from gradio.utils import check_function_inputs_match, get_type_hints

from ras.library import texts
from tabs import texts as texts_tab
from tabs.common import bind
from tests.fixtures.ui import build_tab


@pytest.fixture
def ctx_and_tab(ui_ctx):
    return ui_ctx, build_tab(texts_tab, ui_ctx)


def table_of(answer: dict, tab) -> pd.DataFrame:
    return pd.DataFrame(answer[tab.table], columns=["id", "content", "lang", "category"])


def test_a_text_added_picked_edited_and_deleted_shows_in_the_table(ctx_and_tab):
    ctx, tab = ctx_and_tab
    table = table_of(texts_tab.add(ctx, tab, content="新的测试句子。", lang="zh", category="short"), tab)
    row = table.index[table["content"] == "新的测试句子。"][0]

    picked = texts_tab.pick(ctx, tab, table=table, evt=gr.SelectData(None, {"index": [int(row), 1], "value": ""}))
    text_id = picked[tab.text_id]
    assert picked[tab.content] == "新的测试句子。" and picked[tab.lang] == "zh"

    table = table_of(texts_tab.save(ctx, tab, text_id=text_id, content="改过的句子。", lang="zh", category="long"), tab)
    assert table.loc[table["id"] == text_id, "content"].item() == "改过的句子。"
    assert texts.get_texts(ws=ctx.ws, ids=[text_id])[0].category == "long"

    table = table_of(texts_tab.delete(ctx, tab, text_id=text_id), tab)
    assert text_id not in set(table["id"])


def test_saving_without_a_picked_text_asks_to_pick_one(ctx_and_tab):
    ctx, tab = ctx_and_tab
    with pytest.raises(gr.Error, match="请先在表格中选择一条文本"):
        texts_tab.save(ctx, tab, text_id=None, content="x", lang="zh", category="short")


def test_a_click_in_the_table_reaches_the_handler_with_its_row(ui_ctx):
    """Gradio fills the SelectData of a table click by the bound function's annotations."""
    tab = build_tab(texts_tab, ui_ctx)
    bound = bind(ui_ctx, texts_tab.pick, tab, ["table"])
    assert get_type_hints(bound)["evt"] is gr.SelectData
    assert check_function_inputs_match(bound, [tab.table], inputs_as_dict=False) is None
