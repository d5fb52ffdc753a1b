"""Products tab: keep a winning configuration, list/rename/delete/export it, and synthesize with it."""
from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from ras.emotions import EMOTIONS
from ras.gate import Gate
from ras.languages import LANG_CODES
from ras.products import emotions as product_emotions
from ras.products import export as product_export
from ras.products import rows as products
from ras.products import speech as product_speech
from ras.products.rows import ProductInfo
from tabs import product_timbre
from tabs.common import Page, UIContext, choices, connect, connect_each, handles, refreshed_choice, require_role
from tabs.emotion_words import emotion_label
from tabs.widgets import product_key_parts, refresh_button

SCOPES = (("当前角色", "role"), ("全部角色", "all"))
HEADERS = ("名称", "角色", "编号", "版本", "GPT 权重", "SoVITS 权重", "参考文本", "语言", "评分", "备注",
           "每次合成最多尝试", "质量门槛", "情感")
# shares of the table: a long prompt text wraps in its column instead of pushing the last ones out of view
COLUMN_WIDTHS = ("9%", "9%", "4%", "6%", "9%", "9%", "12%", "7%", "5%", "5%", "6%", "10%", "9%")
DEFAULT_REFERENCE = ""  # the product's own reference


def gate_summary(gate: Gate) -> str:
    """The product's quality gate in one line: auto score floor, chars/s tolerance, ASR error limit."""
    return f"≥{gate.min_auto_score:g} · ±{gate.rate_tolerance:.0%} · CER≤{gate.max_cer:g}"


@dataclass(frozen=True)
class ProductsTab:
    result_id: gr.Number
    name: gr.Textbox
    note: gr.Textbox
    create: gr.Button
    scope: gr.Radio
    refresh: gr.Button
    table: gr.Dataframe
    product: gr.Dropdown
    new_name: gr.Textbox
    rename: gr.Button
    delete: gr.Button
    export: gr.Button
    file: gr.File
    tts_text: gr.Textbox
    tts_lang: gr.Dropdown
    tts_emotion: gr.Dropdown
    synthesize: gr.Button
    tts_audio: gr.Audio
    emotion: gr.Dropdown
    emotion_clip: gr.Number
    set_emotion: gr.Button
    remove_emotion: gr.Button
    timbre: product_timbre.TimbreRow


def build(ctx: UIContext) -> ProductsTab:
    i18n = ctx.i18n
    gr.Markdown(i18n("### 1. 新建成品"))
    gr.Markdown(i18n("成品保存一个结果的全部设置：参考音频（复制进成品）、参考文本与语言、权重与参数。名称在所有角色中唯一。"))
    with gr.Row():
        result_id = gr.Number(label=i18n("结果编号"), value=None, minimum=0, precision=0,
                              info=i18n("评估标签页中结果左上角的 #编号"), elem_id="products_result_id")
        name = gr.Textbox(label=i18n("成品名称"), elem_id="products_name")
        note = gr.Textbox(label=i18n("备注"), elem_id="products_note")
        create = gr.Button(i18n("创建成品"), variant="primary", elem_id="products_create")
    gr.Markdown(i18n("### 2. 成品列表"))
    with gr.Row():
        scope = gr.Radio(choices(i18n, SCOPES), value="role", label=i18n("范围"), elem_id="products_scope")
        refresh = refresh_button(i18n, "products_refresh")
    table = gr.Dataframe(headers=[i18n(h) for h in HEADERS], interactive=False, wrap=True,
                         column_widths=list(COLUMN_WIDTHS), elem_id="products_table")
    gr.Markdown(i18n("### 3. 管理与导出"))
    gr.Markdown(i18n("导出的 zip 含参考音频、settings.json、api_v2 请求体、curl 示例和 GSVI 角色文件夹。"))
    with gr.Row():
        product = gr.Dropdown(label=i18n("成品"), choices=[], elem_id="products_product")
        new_name = gr.Textbox(label=i18n("新名称"), elem_id="products_new_name")
        rename = gr.Button(i18n("重命名"), elem_id="products_rename")
        delete = gr.Button(i18n("删除"), variant="stop", elem_id="products_delete")
    with gr.Row():
        export = gr.Button(i18n("导出 zip"), elem_id="products_export")
        # shown once there is a file: an empty file box is a tall grey block
        file = gr.File(label=i18n("导出文件"), interactive=False, visible=False, elem_id="products_file")
    gr.Markdown(i18n("### 4. 按成品合成"))
    with gr.Row():
        tts_text = gr.Textbox(label=i18n("文本"), lines=2, scale=3, elem_id="products_tts_text")
        tts_lang = gr.Dropdown([(code, code) for code in LANG_CODES], value="zh", label=i18n("语言"),
                               elem_id="products_tts_lang")
        tts_emotion = gr.Dropdown([(i18n("默认（成品参考）"), DEFAULT_REFERENCE)], value=DEFAULT_REFERENCE,
                                  label=i18n("情感"), elem_id="products_tts_emotion")
        synthesize = gr.Button(i18n("合成"), variant="primary", elem_id="products_synthesize")
    gr.Markdown(i18n("文本中可用 [开心]、(难过) 这样的标签切换后续句子的情感；未标注的句子沿用前一句的情感。"))
    tts_audio = gr.Audio(label=i18n("合成结果"), type="filepath", interactive=False, elem_id="products_tts_audio")
    gr.Markdown(i18n("### 5. 情感参考"))
    gr.Markdown(i18n("每种情感一条主参考音频（语气来自主参考），权重、参数和辅助参考与成品共用。"))
    with gr.Row():
        emotion = gr.Dropdown([(emotion_label(i18n, e), e) for e in EMOTIONS], value=None, allow_custom_value=True,
                              label=i18n("情感"), elem_id="products_emotion")
        emotion_clip = gr.Number(label=i18n("音频编号"), value=None, precision=0,
                                 info=i18n("该情感的参考音频（音频浏览中的编号）"), elem_id="products_emotion_clip")
        set_emotion = gr.Button(i18n("设为该情感的参考"), elem_id="products_set_emotion")
        remove_emotion = gr.Button(i18n("移除该情感"), elem_id="products_remove_emotion")
    timbre = product_timbre.build(ctx)
    return ProductsTab(result_id, name, note, create, scope, refresh, table, product, new_name, rename, delete,
                       export, file, tts_text, tts_lang, tts_emotion, synthesize, tts_audio, emotion, emotion_clip,
                       set_emotion, remove_emotion, timbre)


def emotion_picks(i18n, product: ProductInfo) -> list[tuple[str, str]]:
    """The synthesis emotion choices: the product's default reference, then its emotions."""
    return [(i18n("默认（成品参考）"), DEFAULT_REFERENCE)] + [(emotion_label(i18n, e), e) for e in product.emotions]


def product_rows(i18n, products_found: list[ProductInfo]) -> list[list]:
    return [[p.name, p.role, p.product_id, p.version, p.gpt_weights.rsplit("/", 1)[-1],
             p.sovits_weights.rsplit("/", 1)[-1], p.prompt_text[:40], p.prompt_lang, p.score, p.note,
             p.max_tries, gate_summary(p.gate), " · ".join(emotion_label(i18n, e) for e in p.emotions)]
            for p in products_found]


@handles("读取成品失败")
def listing(ctx: UIContext, tab: ProductsTab, *, role, scope, current) -> dict:
    if scope == "all":
        found = products.list_products(ws=ctx.ws)
    elif role:
        found = products.list_products(ws=ctx.ws, role=role)
    else:
        found = []  # "this role" with no role chosen: nothing, not every role's products
    return {tab.table: product_rows(ctx.i18n, found),
            tab.product: refreshed_choice([(p.name, p.key) for p in found], current)}


@handles("创建成品失败")
def create(ctx: UIContext, tab: ProductsTab, *, role, result_id, name, note) -> None:
    i18n = ctx.i18n
    role = require_role(i18n, role)
    if not result_id:
        raise gr.Error(i18n("请填写结果编号"))
    product_id = products.create_product(ws=ctx.ws, role=role, result_id=int(result_id), name=name, note=note)
    gr.Info(f"{i18n('已创建成品')} #{product_id}")


@handles("重命名失败")
def rename(ctx: UIContext, tab: ProductsTab, *, key, new_name) -> None:
    role, product_id = product_key_parts(ctx.i18n, key)
    products.rename_product(ws=ctx.ws, role=role, product_id=product_id, name=new_name)


@handles("删除失败")
def delete(ctx: UIContext, tab: ProductsTab, *, key) -> None:
    role, product_id = product_key_parts(ctx.i18n, key)
    products.delete_product(ws=ctx.ws, role=role, product_id=product_id)


@handles("导出失败")
def export(ctx: UIContext, tab: ProductsTab, *, key) -> dict:
    role, product_id = product_key_parts(ctx.i18n, key)
    exported = product_export.export_product(ws=ctx.ws, role=role, product_id=product_id)
    return {tab.file: gr.update(value=str(exported), visible=True)}


@handles("合成失败")
def synthesize(ctx: UIContext, tab: ProductsTab, *, key, text, lang, emotion) -> dict:
    role, product_id = product_key_parts(ctx.i18n, key)
    product = products.get_product(ws=ctx.ws, role=role, product_id=product_id)
    # the product's own preference: re-roll takes failing its gate up to max_tries
    wav = product_speech.tts(ws=ctx.ws, runner=ctx.runner, product=product.name, text=text, text_lang=lang,
                             max_tries=product.max_tries, measure=ctx.analyzer.analyze_file, emotion=emotion or None)
    return {tab.tts_audio: str(wav)}


@handles("读取成品失败")
def on_product(ctx: UIContext, tab: ProductsTab, *, key) -> dict:
    if not key or "|" not in key:
        return gr.skip()
    role, product_id = product_key_parts(ctx.i18n, key)
    product = products.get_product(ws=ctx.ws, role=role, product_id=product_id)
    return {tab.tts_lang: product.prompt_lang,
            tab.tts_emotion: gr.update(choices=emotion_picks(ctx.i18n, product), value=DEFAULT_REFERENCE)}


@handles("设置情感失败")
def set_emotion(ctx: UIContext, tab: ProductsTab, *, key, emotion, clip_id) -> dict:
    role, product_id = product_key_parts(ctx.i18n, key)
    if not clip_id:
        raise gr.Error(ctx.i18n("请填写音频编号"))
    product = product_emotions.set_product_emotion(ws=ctx.ws, role=role, product_id=product_id,
                                                   emotion=emotion or "", clip_id=int(clip_id))
    return {tab.tts_emotion: gr.update(choices=emotion_picks(ctx.i18n, product))}


@handles("设置情感失败")
def remove_emotion(ctx: UIContext, tab: ProductsTab, *, key, emotion) -> dict:
    role, product_id = product_key_parts(ctx.i18n, key)
    product = product_emotions.remove_product_emotion(ws=ctx.ws, role=role, product_id=product_id,
                                                      emotion=emotion or "")
    return {tab.tts_emotion: gr.update(choices=emotion_picks(ctx.i18n, product), value=DEFAULT_REFERENCE)}


def wire(tab: ProductsTab, ctx: UIContext, page: Page) -> None:
    list_inputs = {"role": page.role, "scope": tab.scope, "current": tab.product}
    list_outputs = [tab.table, tab.product]
    connect_each(ctx, (tab.refresh.click, tab.scope.change, page.role.change, page.app.load), listing, tab,
                 list_inputs, list_outputs)
    picked = {"key": tab.product}
    for event in (
        connect(ctx, tab.create.click, create, tab,
                {"role": page.role, "result_id": tab.result_id, "name": tab.name, "note": tab.note}, None),
        connect(ctx, tab.rename.click, rename, tab, {**picked, "new_name": tab.new_name}, None),
        connect(ctx, tab.delete.click, delete, tab, picked, None),
    ):
        connect(ctx, event.then, listing, tab, list_inputs, list_outputs)
    connect(ctx, tab.product.change, on_product, tab, picked, [tab.tts_lang, tab.tts_emotion])
    connect(ctx, tab.export.click, export, tab, picked, tab.file)
    connect(ctx, tab.synthesize.click, synthesize, tab,
            {**picked, "text": tab.tts_text, "lang": tab.tts_lang, "emotion": tab.tts_emotion}, tab.tts_audio)
    for event in (
        connect(ctx, tab.set_emotion.click, set_emotion, tab,
                {**picked, "emotion": tab.emotion, "clip_id": tab.emotion_clip}, tab.tts_emotion),
        connect(ctx, tab.remove_emotion.click, remove_emotion, tab, {**picked, "emotion": tab.emotion},
                tab.tts_emotion),
    ):
        connect(ctx, event.then, listing, tab, list_inputs, list_outputs)
    product_timbre.wire(tab.timbre, ctx, tab.product)
