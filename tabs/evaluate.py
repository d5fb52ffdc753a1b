"""Evaluate tab: a task's results sorted by duration or metrics, with players, spectrograms and scores."""
from __future__ import annotations

import json
from dataclasses import dataclass

import gradio as gr
import pandas as pd

from ras import results
from ras.analysis import score_weights
from ras.library import clips
from ras.products import rows as products
from ras.queue import versions
from ras.results import Result
from tabs.common import (
    Page,
    UIContext,
    choices,
    connect,
    connect_each,
    handles,
    picker_update,
    require_role,
    score_choice,
    score_radio,
)
from tabs.flag_labels import flag_badges, weights_legend
from tabs.shortcuts import ProductForm
from tabs.widgets import task_picker_row, versions_line, wire_task_picker

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
    result_id: gr.State  # the result the slot shows: its score, note and keep button act on it


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
    with gr.Group(visible=False, elem_id=f"evaluate_slot_{index}") as box, gr.Row(equal_height=False):
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
    return ResultSlot(box, info, audio, ref_audio, spectrogram, score, note, keep, gr.State(None))


def build(ctx: UIContext) -> EvaluateTab:
    i18n = ctx.i18n
    gr.Markdown(i18n("### 1. 选择任务与排序"))
    gr.Markdown(i18n("时长异常（过长或过短）往往意味着重复、吞字或长停顿：先听两端的结果。"))
    with gr.Row():
        task, refresh = task_picker_row(i18n, "evaluate")
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
        gr.Markdown(i18n("每条规则在完全命中时扣的分数；设为 0 即关闭该规则。"
                         "保存后当前角色的结果按已存的指标重新评分，无需重新分析音频。"))
        weights = gr.Code(language="json", value=json.dumps(score_weights.load_weights(ws=ctx.ws), indent=1),
                          elem_id="evaluate_weights")
        save_weights = gr.Button(i18n("保存权重并重新评分"), elem_id="evaluate_save_weights")
        weights_status = gr.Markdown(elem_id="evaluate_weights_status")
        gr.Markdown(weights_legend(i18n), elem_id="evaluate_weights_legend")
    return EvaluateTab(task, refresh, sort, param_sets, text_filter, scored, page, show, summary, slots,
                       compare_by, compare, compare_table, agreement, score_plot, duration_plot, weights,
                       save_weights, weights_status, ab)


def result_info(i18n, result: Result, ref_text: str) -> str:
    lines = [f"**#{result.id}** · `{result.label}`",
             f"{i18n('参考')}: {ref_text}", f"{i18n('文本')}: {result.text[:80]}"]
    if not result.finished:
        lines.append(f"⚠ {result.status}: {result.error[:300]}")
        return "  \n".join(lines)
    facts = [f"{i18n('时长')} {result.duration:.2f} s"]
    if result.duration_deviation is not None:
        facts.append(f"{i18n('相对中位时长')} {result.duration_deviation * 100:+.0f}%")
    if result.chars_per_second:
        facts.append(f"{result.chars_per_second:.2f} {i18n('字/秒')}")
    if result.auto_score is not None:
        facts.append(f"{i18n('自动评分')} {result.auto_score:.0f}")
    lines.append(" · ".join(facts))
    measured = key_metrics(i18n, result.metrics)
    if measured:
        lines.append(measured)
    if result.flags:
        lines.append(flag_badges(i18n, list(result.flags)))
    if result.analysis_error:
        lines.append(f"⚠ {i18n('分析失败')}: {result.analysis_error[:300]}")
    return "  \n".join(lines)


def key_metrics(i18n, metrics: dict) -> str:
    """The measurements behind the auto score that people ask about first; absent ones are left out."""
    shown = [("dnsmos_ovrl", "DNSMOS", "{:.2f}"), ("speaker_similarity", i18n("音色相似度"), "{:.2f}"),
             ("longest_pause", i18n("最长停顿"), "{:.2f} s"), ("cer", "CER", "{:.0%}")]
    return " · ".join(f"{label} {fmt.format(metrics[key])}" for key, label, fmt in shown
                      if metrics.get(key) is not None)


def slot_updates(ctx: UIContext, tab: EvaluateTab, role: str | None, found: tuple[Result, ...]) -> dict:
    """Every slot of the page: the found results in order, the rest hidden."""
    refs = clips.get_clips(ws=ctx.ws, role=role, clip_ids={r.clip_id for r in found}) if found else {}
    shown = {}
    for index, slot in enumerate(tab.slots):
        if index >= len(found):
            shown.update({slot.box: gr.update(visible=False), slot.result_id: None})
            continue
        result = found[index]
        ref = refs[result.clip_id]
        shown.update({slot.box: gr.update(visible=True), slot.info: result_info(ctx.i18n, result, ref.text),
                      slot.audio: result.audio, slot.ref_audio: str(clips.clip_audio_path(ctx.ws, role, ref)),
                      slot.spectrogram: result.spectrogram, slot.score: score_choice(result.score),
                      slot.note: result.note, slot.result_id: result.id,
                      slot.keep: gr.update(visible=result.finished)})  # only a finished take can be kept
    return shown


def slot_outputs(tab: EvaluateTab) -> list:
    return [component for slot in tab.slots for component in (slot.box, slot.info, slot.audio, slot.ref_audio,
                                                               slot.spectrogram, slot.score, slot.note, slot.keep,
                                                               slot.result_id)]


@handles("读取结果失败")
def on_task(ctx: UIContext, tab: EvaluateTab, *, role: str | None, task_id, picked_sets=None) -> dict:
    sets = results.param_sets(ws=ctx.ws, role=role, task_id=int(task_id)) if role and task_id else []
    return {tab.param_sets: picker_update([(s.label, s.id) for s in sets], [], picked_sets)}


@handles("读取结果失败")
def show(ctx: UIContext, tab: EvaluateTab, *, role: str | None, task_id, sort: str, param_set_ids, text: str | None,
         scored: str, page_no) -> dict:
    i18n = ctx.i18n
    if not role or not task_id:  # e.g. a role without tasks yet: an empty page, not an error
        return {tab.summary: "", **slot_updates(ctx, tab, role, ())}
    flt = results.ResultFilter(param_set_ids=tuple(param_set_ids or ()), text=(text or "").strip(),
                               scored={"scored": True, "unscored": False}.get(scored))
    page = results.list_results(ws=ctx.ws, role=role, task_id=int(task_id), sort=sort, page=int(page_no or 1),
                                page_size=PAGE_SIZE, flt=flt)
    pages = max(1, -(-page.total // PAGE_SIZE))
    made_with = versions.task_versions(ws=ctx.ws, role=role, task_id=int(task_id))
    summary = (f"{i18n('共')} {page.total} {i18n('条结果')} · {i18n('页码')} {int(page_no or 1)}/{pages}"
               f"  \n{versions_line(i18n, made_with)}")
    return {tab.summary: summary, **slot_updates(ctx, tab, role, page.results)}


@handles("评分失败")
def save_score(ctx: UIContext, slot: ResultSlot, *, role: str | None, result_id, score, note: str | None) -> None:
    """A score (or its note) is stored as soon as it is given; nothing on the page changes."""
    if result_id is None or score in (None, ""):
        return
    results.score_result(ws=ctx.ws, role=role, result_id=int(result_id), score=float(score), note=note or "")


@handles("比较失败")
def compare(ctx: UIContext, tab: EvaluateTab, *, role: str | None, task_id, by: str) -> dict:
    i18n = ctx.i18n
    role = require_role(i18n, role)
    if not task_id:
        raise gr.Error(i18n("请先选择任务"))
    groups = results.compare_by_variable(ws=ctx.ws, role=role, task_id=int(task_id), by=by)
    table = [[g.label, g.count, g.scored, g.mean_score, g.mean_duration, g.mean_auto] for g in groups]
    frame = pd.DataFrame([{"label": g.label, "mean_score": g.mean_score, "mean_duration": g.mean_duration}
                          for g in groups] or [{"label": "", "mean_score": 0, "mean_duration": 0}])
    frame["mean_score"] = frame["mean_score"].fillna(0)
    agreement = results.score_agreement(ws=ctx.ws, role=role, task_id=int(task_id))
    if agreement.spearman is None:
        note = f"{i18n('自动评分与人工评分的一致性')}: {i18n('至少需要评分')} {agreement.needed} " \
               f"{i18n('条')} ({agreement.pairs})"
    else:
        note = f"{i18n('自动评分与人工评分的一致性')} (Spearman, {agreement.pairs}): **{agreement.spearman}**"
    return {tab.compare_table: table, tab.score_plot: frame, tab.duration_plot: frame, tab.agreement: note}


@handles("读取结果失败")
def keep(ctx: UIContext, form: ProductForm, *, role: str | None, result_id, note: str | None) -> dict:
    """Fill the products tab's form with this result and open it: the name stays editable."""
    role = require_role(ctx.i18n, role)
    if result_id is None:
        raise gr.Error(ctx.i18n("该位置没有结果，请刷新"))
    name = products.suggest_name(ws=ctx.ws, role=role, result_id=int(result_id))
    return form.filled(int(result_id), name, note or "")


@handles("保存权重失败")
def save_weights(ctx: UIContext, tab: EvaluateTab, *, role: str | None, text: str | None) -> dict:
    i18n = ctx.i18n
    try:
        wanted = json.loads(text or "{}")
    except json.JSONDecodeError as exc:
        raise gr.Error(f"{i18n('权重不是有效的 JSON')}: {exc}") from None
    merged = score_weights.save_weights(ws=ctx.ws, weights=wanted)
    count = score_weights.rescore_role(ws=ctx.ws, role=role, weights=merged) if role else 0
    return {tab.weights: json.dumps(merged, indent=1),
            tab.weights_status: f"✔ {i18n('已保存')} · {i18n('重新评分')} {count}"}


def wire(tab: EvaluateTab, ctx: UIContext, page: Page, *, product_form: ProductForm) -> None:
    """product_form: the products tab's form, filled by a result's "keep" button."""
    picked = {"role": page.role, "task_id": tab.task}
    filters = {**picked, "sort": tab.sort, "param_set_ids": tab.param_sets, "text": tab.text_filter,
               "scored": tab.scored, "page_no": tab.page}
    wire_task_picker(ctx, page, tab.task, tab.refresh)
    connect(ctx, tab.task.change, on_task, tab, {**picked, "picked_sets": tab.param_sets}, tab.param_sets)
    connect_each(ctx, (tab.show.click, tab.sort.change, tab.task.change), show, tab, filters,
                 [tab.summary, *slot_outputs(tab)])
    for slot in tab.slots:
        scoring = {"role": page.role, "result_id": slot.result_id, "score": slot.score, "note": slot.note}
        connect(ctx, slot.score.input, save_score, slot, scoring, None)
        connect(ctx, slot.note.blur, save_score, slot, scoring, None)
        connect(ctx, slot.keep.click, keep, product_form, {"role": page.role, "result_id": slot.result_id,
                                                           "note": slot.note}, product_form.outputs())
    connect(ctx, tab.save_weights.click, save_weights, tab, {"role": page.role, "text": tab.weights},
            [tab.weights, tab.weights_status])
    connect(ctx, tab.compare.click, compare, tab, {**picked, "by": tab.compare_by},
            [tab.compare_table, tab.score_plot, tab.duration_plot, tab.agreement])
