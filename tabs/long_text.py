"""Long-text tab: the best configurations read a long text sentence by sentence; re-generate bad sentences."""
from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from ras.languages import LANG_CODES
from tabs.common import UIContext, score_radio

MAX_PARTS = 5  # configuration slots shown
POLL_SECONDS = 2.0


@dataclass(frozen=True)
class PartSlot:
    box: gr.Group
    info: gr.Markdown
    audio: gr.Audio
    spectrogram: gr.Image
    sentences: gr.Dataframe
    index: gr.Number
    regenerate: gr.Button
    score: gr.Radio
    note: gr.Textbox
    export: gr.Button
    file: gr.File


@dataclass(frozen=True)
class LongTextTab:
    task: gr.Dropdown
    refresh: gr.Button
    top_n: gr.Number
    results: gr.Dropdown
    text_pick: gr.Dropdown
    text: gr.Textbox
    lang: gr.Dropdown
    start: gr.Button
    run: gr.Dropdown
    progress: gr.HTML
    timer: gr.Timer
    slots: tuple[PartSlot, ...]


def _slot(i18n, i: int) -> PartSlot:
    with gr.Group(visible=False, elem_id=f"long_text_part_{i}") as box:
        info = gr.Markdown(elem_id=f"long_text_info_{i}")
        with gr.Row(equal_height=False):
            with gr.Column(scale=2, min_width=320):
                audio = gr.Audio(label=i18n("拼接后的音频"), type="filepath", interactive=False,
                                 elem_id=f"long_text_audio_{i}")
                with gr.Row():
                    score = score_radio(i18n, f"long_text_score_{i}")
                    note = gr.Textbox(label=i18n("备注"), elem_id=f"long_text_note_{i}")
            with gr.Column(scale=3):
                spectrogram = gr.Image(label=i18n("频谱图"), type="filepath", format="png", interactive=False,
                                       buttons=[], height=190, elem_id=f"long_text_spectrogram_{i}")
                export = gr.Button(i18n("导出音频与句子列表"), elem_id=f"long_text_export_{i}")
                # shown once there is a file: an empty File box would take a lot of room
                file = gr.File(label=i18n("导出文件"), interactive=False, visible=False, elem_id=f"long_text_file_{i}")
        sentences = gr.Dataframe(headers=[i18n(h) for h in ("序号", "句子", "时长", "字/秒", "状态", "标记")],
                                 interactive=False, wrap=True, elem_id=f"long_text_sentences_{i}")
        with gr.Row():
            index = gr.Number(value=0, minimum=0, precision=0, label=i18n("句子序号"), elem_id=f"long_text_index_{i}")
            regenerate = gr.Button(i18n("重新生成这一句（新种子）"), elem_id=f"long_text_regenerate_{i}")
    return PartSlot(box, info, audio, spectrogram, sentences, index, regenerate, score, note, export, file)


def build(ctx: UIContext) -> LongTextTab:
    i18n = ctx.i18n
    gr.Markdown(i18n("### 1. 选择配置"))
    gr.Markdown(i18n("默认取任务中评分最高的前 N 个配置（参考音频 + 参数）；也可以直接挑选结果。"))
    with gr.Row():
        task = gr.Dropdown(label=i18n("任务"), choices=[], scale=3, elem_id="long_text_task")
        refresh = gr.Button(i18n("刷新"), scale=0, min_width=100, elem_id="long_text_refresh")
        top_n = gr.Number(value=3, minimum=1, maximum=MAX_PARTS, precision=0, label=i18n("前 N 个"),
                          elem_id="long_text_top_n")
    results = gr.Dropdown(label=i18n("或挑选结果"), multiselect=True, choices=[], elem_id="long_text_results")
    gr.Markdown(i18n("### 2. 长文本"))
    with gr.Row():
        text_pick = gr.Dropdown(label=i18n("共享长文本"), choices=[], elem_id="long_text_text_pick")
        lang = gr.Dropdown([(i18n("自动识别"), "")] + [(code, code) for code in LANG_CODES], value="",
                           label=i18n("语言"), elem_id="long_text_lang")
    text = gr.Textbox(label=i18n("文本（按配置的切分方法分句）"), lines=5, elem_id="long_text_text",
                      info=i18n("每个配置按自己的切分方法分段，每段单独合成、可单独重新生成：cut1 每 4 句一段，"
                                "cut2 约 50 字一段，cut3/cut4 按句号，cut5 按每个标点，cut0 不切。"))
    start = gr.Button(i18n("开始合成"), variant="primary", elem_id="long_text_start")
    gr.Markdown(i18n("### 3. 结果"))
    run = gr.Dropdown(label=i18n("长文本运行"), choices=[], elem_id="long_text_run")
    progress = gr.HTML(elem_id="long_text_progress")
    slots = tuple(_slot(i18n, i) for i in range(MAX_PARTS))
    timer = gr.Timer(POLL_SECONDS, active=True)
    return LongTextTab(task, refresh, top_n, results, text_pick, text, lang, start, run, progress, timer, slots)


def wire(tab: LongTextTab, ctx: UIContext, others) -> None:
    from tabs.long_text_events import wire_events

    wire_events(tab, ctx, others)
