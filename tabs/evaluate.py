"""Evaluate tab: a task's results sorted by duration or metrics, with players, spectrograms and scores."""
from __future__ import annotations

from dataclasses import dataclass

import json

import gradio as gr

from ras.metrics.score_weights import load_weights
from tabs.flag_labels import weights_legend
from tabs.common import UIContext, choices, score_radio

PAGE_SIZE = 20  # result slots on a page
SORTS = (("按时长（短→长）", "duration"), ("按时长（长→短）", "-duration"), ("按语速（字/秒）", "chars_per_second"),
         ("按自动评分", "auto"), ("按人工评分", "score"), ("按参数组", "group"))
SCORED = (("全部", "all"), ("已评分", "scored"), ("未评分", "unscored"))
COMPARE_BY = (("按参数组", "param_set"), ("按参考音频", "clip"), ("按测试文本", "text"))


@dataclass(frozen=True)
class ResultSlot:
    box: gr.Group
    info: gr.Markdown
    audio: gr.Audio
    ref_audio: gr.Audio
    spectrogram: gr.Image
    score: gr.Radio
    note: gr.Textbox
    keep: gr.Button


@dataclass(frozen=True)
class EvaluateTab:
    task: gr.Dropdown
    refresh: gr.Button
    sort: gr.Dropdown
    param_sets: gr.Dropdown
    text_filter: gr.Textbox
    scored: gr.Radio
    page: gr.Number
    show: gr.Button
    summary: gr.Markdown
    slots: tuple[ResultSlot, ...]
    compare_by: gr.Radio
    compare: gr.Button
    compare_table: gr.Dataframe
    agreement: gr.Markdown
    score_plot: gr.BarPlot
    duration_plot: gr.BarPlot
    weights: gr.Code
    save_weights: gr.Button
    weights_status: gr.Markdown
    ab: gr.Button  # opens the blind A/B tab on this task


def _slot(i18n, index: int) -> ResultSlot:
    # Left: what it is, the take and its score; right: what it looks like and what it copies.
    with gr.Group(visible=False, elem_id=f"evaluate_slot_{index}") as box:
        with gr.Row(equal_height=False):
            with gr.Column(scale=2, min_width=320):
                info = gr.Markdown(elem_id=f"evaluate_info_{index}")
                audio = gr.Audio(label=i18n("结果"), type="filepath", interactive=False,
                                 elem_id=f"evaluate_audio_{index}")
                score = score_radio(i18n, f"evaluate_score_{index}")
                keep = gr.Button(i18n("存为成品…"), size="sm", elem_id=f"evaluate_keep_{index}")
            with gr.Column(scale=3):
                spectrogram = gr.Image(label=i18n("频谱图"), type="filepath", format="png", interactive=False,
                                       buttons=[], height=190, elem_id=f"evaluate_spectrogram_{index}")
                ref_audio = gr.Audio(label=i18n("参考音频"), type="filepath", interactive=False,
                                     elem_id=f"evaluate_ref_{index}")
                note = gr.Textbox(label=i18n("备注"), elem_id=f"evaluate_note_{index}")
    return ResultSlot(box, info, audio, ref_audio, spectrogram, score, note, keep)


def build(ctx: UIContext) -> EvaluateTab:
    i18n = ctx.i18n
    gr.Markdown(i18n("### 1. 选择任务与排序"))
    gr.Markdown(i18n("时长异常（过长或过短）往往意味着重复、吞字或长停顿：先听两端的结果。"))
    with gr.Row():
        task = gr.Dropdown(label=i18n("任务"), choices=[], scale=3, elem_id="evaluate_task")
        refresh = gr.Button(i18n("刷新"), scale=0, min_width=100, elem_id="evaluate_refresh")
        sort = gr.Dropdown(choices(i18n, SORTS), value="duration", label=i18n("排序"), elem_id="evaluate_sort")
        ab = gr.Button(i18n("盲听对比"), scale=0, min_width=110, elem_id="evaluate_ab")
    with gr.Row():
        param_sets = gr.Dropdown(label=i18n("参数组筛选"), multiselect=True, choices=[], elem_id="evaluate_param_sets")
        text_filter = gr.Textbox(label=i18n("文本包含"), elem_id="evaluate_text_filter")
        scored = gr.Radio(choices(i18n, SCORED), value="all", label=i18n("评分状态"), elem_id="evaluate_scored")
        page = gr.Number(value=1, minimum=1, precision=0, label=i18n("页码"), elem_id="evaluate_page")
        show = gr.Button(i18n("显示结果"), variant="primary", elem_id="evaluate_show")
    summary = gr.Markdown(elem_id="evaluate_summary")
    gr.Markdown(i18n("### 2. 试听与评分（评分立即保存）"))
    gr.Markdown(i18n("快捷键：播放一条结果后按 0–5，即为这条结果评分。"))
    slots = tuple(_slot(i18n, i) for i in range(PAGE_SIZE))
    gr.Markdown(i18n("### 3. 按变量比较"))
    with gr.Row():
        compare_by = gr.Radio(choices(i18n, COMPARE_BY), value="param_set", label=i18n("比较维度"),
                              elem_id="evaluate_compare_by")
        compare = gr.Button(i18n("比较"), elem_id="evaluate_compare")
    compare_table = gr.Dataframe(headers=[i18n(h) for h in ("取值", "结果数", "已评分", "平均评分", "平均时长",
                                                           "平均自动评分")], interactive=False,
                                 elem_id="evaluate_compare_table")
    agreement = gr.Markdown(elem_id="evaluate_agreement")
    with gr.Row():
        score_plot = gr.BarPlot(x="label", y="mean_score", title=i18n("平均评分"), y_lim=[0, 5],
                               elem_id="evaluate_score_plot")
        duration_plot = gr.BarPlot(x="label", y="mean_duration", title=i18n("平均时长（秒）"), y_lim=[0, None],
                                   elem_id="evaluate_duration_plot")
    with gr.Accordion(i18n("4. 自动评分权重（所有角色共用）"), open=False):
        gr.Markdown(i18n("每条规则在完全命中时扣的分数；设为 0 即关闭该规则。保存后当前角色的结果按已存的指标重新评分，无需重新分析音频。"))
        weights = gr.Code(language="json", value=json.dumps(load_weights(ws=ctx.ws), indent=1),
                          elem_id="evaluate_weights")
        save_weights = gr.Button(i18n("保存权重并重新评分"), elem_id="evaluate_save_weights")
        weights_status = gr.Markdown(elem_id="evaluate_weights_status")
        gr.Markdown(weights_legend(i18n), elem_id="evaluate_weights_legend")
    return EvaluateTab(task, refresh, sort, param_sets, text_filter, scored, page, show, summary, slots,
                       compare_by, compare, compare_table, agreement, score_plot, duration_plot, weights,
                       save_weights, weights_status, ab)


def wire(tab: EvaluateTab, ctx: UIContext, others) -> None:
    from tabs.evaluate_events import wire_events

    wire_events(tab, ctx, others)
