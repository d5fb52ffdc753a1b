"""The products tab's timbre-set row: extra references every emotion shares, and the check that measures them."""
from __future__ import annotations

import re
from dataclasses import dataclass

import gradio as gr

from ras.emotions import DEFAULT_EMOTION
from ras.finder.run import list_runs
from ras.products import rows as products
from ras.products import timbre
from ras.products.timbre import TimbreCheck, TimbreCondition
from tabs.common import UIContext, connect, handles
from tabs.widgets import POLL_SECONDS, product_key_parts


@dataclass(frozen=True)
class TimbreRow:
    clip_ids: gr.Textbox
    set_timbre: gr.Button
    check: gr.Button
    result: gr.Markdown
    task: gr.State  # (role, task id) of the check the result line follows; None before one starts
    timer: gr.Timer  # ticks only while the check's takes are on their way


def build(ctx: UIContext) -> TimbreRow:
    i18n = ctx.i18n
    gr.Markdown(i18n("#### 音色参考"))
    gr.Markdown(i18n("几条平静的参考作为辅助参考，每种情感共用，让不同情绪听起来像同一个人。"))
    with gr.Row():
        clip_ids = gr.Textbox(label=i18n("音色参考音频编号"), scale=3,
                              info=i18n("逗号分隔，每条 3–10 秒；有按情感找参考的结果时预填平静情感的候选"),
                              elem_id="products_timbre_clips")
        set_timbre = gr.Button(i18n("设为音色参考"), elem_id="products_set_timbre")
        check = gr.Button(i18n("测量音色一致性"), elem_id="products_timbre_check")
    result = gr.Markdown(elem_id="products_timbre_result")
    return TimbreRow(clip_ids, set_timbre, check, result, gr.State(None), gr.Timer(POLL_SECONDS, active=False))


def parse_clip_ids(i18n, text: str | None) -> list[int]:
    words = [w for w in re.split(r"[\s,，、;；]+", text or "") if w]
    if not all(w.isdigit() for w in words):
        raise gr.Error(i18n("音频编号须为整数，用逗号分隔"))
    return [int(w) for w in words]


def neutral_shortlist(ctx: UIContext, role: str) -> list[int]:
    """The calm voice's shortlist of the role's newest per-emotion finder run: a natural timbre set."""
    for run in list_runs(ws=ctx.ws, role=role):
        if run.parent is not None and run.emotion == DEFAULT_EMOTION and run.shortlist:
            return list(run.shortlist)
    return []


def ignoring_line(i18n) -> str:
    return i18n("该成品使用 v3/v4 SoVITS 权重：辅助参考不起作用，音色参考无法统一不同情绪的音色。")


def _similarity(condition: TimbreCondition) -> str:
    return "—" if condition.similarity is None else f"{condition.similarity:.2f}"


def check_line(i18n, check: TimbreCheck) -> str:
    """The check's answer in words: both similarities, and the takes still on their way or failed."""
    line = i18n("不同情绪之间的音色相似度：不用音色参考 {}，用音色参考 {}（越高越像同一个人）").format(
        _similarity(check.without), _similarity(check.with_timbre_set))
    sides = (check.without, check.with_timbre_set)
    pending, failed = sum(c.pending for c in sides), sum(c.failed for c in sides)
    total = sum(c.done + c.pending + c.failed for c in sides)
    if pending:
        line += " · " + i18n("测量中：{}/{} 条已合成").format(total - pending - failed, total)
    if failed:
        line += " · ⚠ " + i18n("{} 条合成失败").format(failed)
    return line


@handles("读取成品失败")
def on_product(ctx: UIContext, row: TimbreRow, *, key) -> dict:
    """The product's timbre set (else the calm shortlist as a suggestion); the v3/v4 sentence where it cannot work."""
    if not key or "|" not in key:
        return gr.skip()
    role, product_id = product_key_parts(ctx.i18n, key)
    product = products.get_product(ws=ctx.ws, role=role, product_id=product_id)
    ids = list(product.aux_clip_ids) or neutral_shortlist(ctx, role)
    return {row.clip_ids: ", ".join(map(str, ids)),
            row.result: ignoring_line(ctx.i18n) if timbre.weights_ignore_aux(product) else "",
            row.task: None, row.timer: gr.update(active=False)}


@handles("设置音色参考失败")
def set_timbre(ctx: UIContext, row: TimbreRow, *, key, clip_ids) -> dict:
    role, product_id = product_key_parts(ctx.i18n, key)
    product = timbre.set_timbre_set(ws=ctx.ws, role=role, product_id=product_id,
                                    clip_ids=parse_clip_ids(ctx.i18n, clip_ids))
    gr.Info(f"{ctx.i18n('已设置音色参考')}: {len(product.aux_refs)}")
    return {row.clip_ids: ", ".join(map(str, product.aux_clip_ids))}


@handles("测量音色一致性失败")
def start_check(ctx: UIContext, row: TimbreRow, *, key) -> dict:
    role, product_id = product_key_parts(ctx.i18n, key)
    task_id = timbre.start_timbre_check(ws=ctx.ws, role=role, product_id=product_id,
                                        max_jobs=ctx.settings.max_jobs_per_task,
                                        code_version=ctx.backend.code_version(), **ctx.backend.weight_choosers())
    ctx.runner.run_task(role, task_id)
    return {row.task: (role, task_id), row.result: ctx.i18n("测量已开始，结果随合成进度更新"),
            row.timer: gr.update(active=True)}


@handles("测量音色一致性失败")
def poll_check(ctx: UIContext, row: TimbreRow, *, task) -> dict:
    if not task:
        return {row.timer: gr.update(active=False)}
    role, task_id = task
    check = timbre.timbre_check_result(ws=ctx.ws, role=role, task_id=int(task_id),
                                       encoder=ctx.analyzer.speaker_encoder())
    return {row.result: check_line(ctx.i18n, check), row.timer: gr.update(active=not check.finished)}


def wire(row: TimbreRow, ctx: UIContext, product: gr.Dropdown) -> None:
    picked = {"key": product}
    connect(ctx, product.change, on_product, row, picked, [row.clip_ids, row.result, row.task, row.timer])
    connect(ctx, row.set_timbre.click, set_timbre, row, {**picked, "clip_ids": row.clip_ids}, row.clip_ids)
    connect(ctx, row.check.click, start_check, row, picked, [row.task, row.result, row.timer])
    connect(ctx, row.timer.tick, poll_check, row, {"task": row.task}, [row.result, row.timer],
            show_progress="hidden")
