"""Test texts tab: the inference texts all roles share (content, language, category)."""
from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from ras.languages import LANG_CODES
from ras.library import texts
from tabs.common import Page, UIContext, choices, connect, handles, selected_row

CATEGORIES = (("短句", "short"), ("长文本", "long"), ("其他", ""))


@dataclass(frozen=True)
class TextsTab:
    table: gr.Dataframe
    text_id: gr.Number
    content: gr.Textbox
    lang: gr.Dropdown
    category: gr.Dropdown
    add: gr.Button
    save: gr.Button
    delete: gr.Button


def build(ctx: UIContext) -> TextsTab:
    i18n = ctx.i18n
    gr.Markdown(i18n("测试文本供所有角色的推理任务共用。点击一行进行编辑。"))
    table = gr.Dataframe(headers=[i18n("编号"), i18n("文本"), i18n("语言"), i18n("类别")], value=_rows(ctx),
                         interactive=False, wrap=True, column_widths=["7%", "67%", "12%", "14%"],
                         elem_id="texts_table")
    with gr.Row():
        text_id = gr.Number(label=i18n("编号"), precision=0, interactive=False, elem_id="texts_id")
        lang = gr.Dropdown(list(LANG_CODES), value="zh", label=i18n("语言"), elem_id="texts_lang")
        category = gr.Dropdown(choices(i18n, CATEGORIES), value="short", label=i18n("类别"), elem_id="texts_category")
    content = gr.Textbox(label=i18n("文本"), lines=3, elem_id="texts_content")
    with gr.Row():
        add = gr.Button(i18n("新增文本"), variant="primary", elem_id="texts_add")
        save = gr.Button(i18n("保存修改"), elem_id="texts_save")
        delete = gr.Button(i18n("删除"), variant="stop", elem_id="texts_delete")
    return TextsTab(table, text_id, content, lang, category, add, save, delete)


def _rows(ctx: UIContext) -> list[list]:
    category_words = {value: ctx.i18n(label) for label, value in CATEGORIES}
    return [[t.id, t.content, t.lang, category_words.get(t.category, t.category)] for t in texts.list_texts(ws=ctx.ws)]


def _picked(ctx: UIContext, text_id) -> int:
    if not text_id:
        raise gr.Error(ctx.i18n("请先在表格中选择一条文本"))
    return int(text_id)


@handles("新增文本失败")
def add(ctx: UIContext, tab: TextsTab, *, content: str, lang: str, category: str) -> dict:
    texts.add_text(ws=ctx.ws, content=content, lang=lang, category=category)
    return {tab.table: _rows(ctx)}


@handles("保存失败")
def save(ctx: UIContext, tab: TextsTab, *, text_id, content: str, lang: str, category: str) -> dict:
    texts.update_text(ws=ctx.ws, text_id=_picked(ctx, text_id), content=content, lang=lang, category=category)
    return {tab.table: _rows(ctx)}


@handles("删除失败")
def delete(ctx: UIContext, tab: TextsTab, *, text_id) -> dict:
    texts.delete_text(ws=ctx.ws, text_id=_picked(ctx, text_id))
    return {tab.table: _rows(ctx)}


@handles("读取文本失败")
def pick(ctx: UIContext, tab: TextsTab, *, table, evt: gr.SelectData) -> dict:
    text_id = int(table.iloc[selected_row(evt)].iloc[0])
    # the stored text, not the table's cells: the table shows the category in the visitor's language
    [picked] = texts.get_texts(ws=ctx.ws, ids=[text_id])
    return {tab.text_id: text_id, tab.content: picked.content, tab.lang: picked.lang, tab.category: picked.category}


def wire(tab: TextsTab, ctx: UIContext, page: Page) -> None:
    form = {"content": tab.content, "lang": tab.lang, "category": tab.category}
    connect(ctx, tab.add.click, add, tab, form, tab.table)
    connect(ctx, tab.save.click, save, tab, {"text_id": tab.text_id, **form}, tab.table)
    connect(ctx, tab.delete.click, delete, tab, {"text_id": tab.text_id}, tab.table)
    connect(ctx, tab.table.select, pick, tab, {"table": tab.table}, [tab.text_id, tab.content, tab.lang, tab.category])
