"""Infer tab: run a task's queue through GPT-SoVITS and watch it (progress, log, last result)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from ras.queue.task_status import TaskStatus
from tabs.common import Page, UIContext, connect, handles, require_role
from tabs.widgets import (
    picked_id,
    poll_timer,
    read_for_shown_role,
    refresh_task_picker,
    task_picker_row,
    task_progress_html,
    versions_line,
    warn_version_change,
    wire_task_picker,
)


@dataclass(frozen=True)
class InferTab:
    task: gr.Dropdown
    refresh: gr.Button
    run: gr.Button
    cancel: gr.Button
    progress: gr.HTML
    details: gr.Markdown
    last_audio: gr.Audio
    log: gr.Textbox
    timer: gr.Timer
    shown_job: gr.State  # the result the player holds: only a newer one replaces it


def build(ctx: UIContext) -> InferTab:
    i18n = ctx.i18n
    gr.Markdown(i18n("### 1. 选择任务"))
    with gr.Row():
        task, refresh = task_picker_row(i18n, "infer", scale=4, polled=True)
    gr.Markdown(i18n("### 2. 运行"))
    gr.Markdown(i18n("取消会在当前作业完成后停止；"
                     "关闭或崩溃后重新启动 RAS 会自动继续未完成的任务，已完成的结果不会丢失。"))
    with gr.Row():
        run = gr.Button(i18n("开始 / 继续"), variant="primary", elem_id="infer_run")
        cancel = gr.Button(i18n("取消"), variant="stop", elem_id="infer_cancel")
    progress = gr.HTML(elem_id="infer_progress")
    details = gr.Markdown(elem_id="infer_details")
    last_audio = gr.Audio(label=i18n("最新完成的结果"), type="filepath", interactive=False, elem_id="infer_last_audio")
    log = gr.Textbox(label=i18n("日志"), lines=10, max_lines=20, interactive=False, elem_id="infer_log")
    timer = poll_timer()
    return InferTab(task, refresh, run, cancel, progress, details, last_audio, log, timer, gr.State(None))


def details_md(i18n, status: TaskStatus) -> str:
    """The pace, what runs now, engines set aside and the versions; the progress line says where the task stands."""
    parts = []
    if status.jobs_per_min:
        parts.append(f"{i18n('速度')}: {status.jobs_per_min} {i18n('作业/分钟')}")
    if status.queued and status.eta_seconds is not None:
        parts.append(f"{i18n('预计剩余')}: {status.eta_seconds // 60} min {status.eta_seconds % 60} s")
    elif status.queued and status.jobs_per_min:  # the pace measured so far no longer holds: no stale count-down
        parts.append(i18n("下一个结果比平时慢，暂不估计剩余时间"))
    if status.pending_analysis and (status.queued or status.running):
        # spectrograms and metrics trail synthesis: say how far behind the analysis is
        parts.append(f"{i18n('已分析')}: {status.analysed}/{status.done}")
    for current in status.current:
        model = " / ".join(Path(p).name for p in (current.gpt, current.sovits) if p)
        parts.append(f"{current.worker}: {i18n('作业')} #{current.job_id} · {model or '-'} · "
                     f"{i18n('参考')} {Path(current.ref).name}")
    # an engine set aside gets a line of its own with the reason: the user has to act on it
    set_aside = [f"⚠ {e.name}: {engine_state_label(i18n, e.state)} ({e.reason})"
                 for e in status.engines if e.state != "ok"]
    if status.paused:
        set_aside.insert(0, f"⚠ {status.paused}")
    shown = "\n\n".join([" · ".join(parts)] + set_aside) if set_aside else " · ".join(parts)
    # what the task was made with, before anyone presses run
    return "\n\n".join(filter(None, [shown, versions_line(i18n, status.versions)]))


def engine_state_label(i18n, state: str) -> str:
    return {"down": i18n("无法连接，作业已转给其他引擎"),
            "quarantined": i18n("返回的不是音频，已隔离")}.get(state, state)


@handles("读取进度失败")
def poll(ctx: UIContext, tab: InferTab, *, role: str | None, task_id, shown_job) -> dict:
    runner = ctx.runner
    nothing = {tab.progress: "", tab.details: "", tab.log: runner.log_tail()}
    if not role or picked_id(task_id) is None:
        return nothing
    status = read_for_shown_role(lambda: runner.status(role, int(task_id)), lambda: None,
                                 report_deleted_role=False)
    if status is None:
        return nothing
    last = status.last_result
    shown = {tab.progress: task_progress_html(ctx.i18n, status), tab.details: details_md(ctx.i18n, status),
             tab.log: runner.log_tail()}
    if last and last.job_id != shown_job:  # only a new result replaces the player: polling never cuts listening
        shown.update({tab.last_audio: last.audio, tab.shown_job: last.job_id})
    return shown


@handles("启动任务失败")
def run(ctx: UIContext, tab: InferTab, *, role: str | None, task_id, shown_job) -> dict:
    role = require_role(ctx.i18n, role)
    if not task_id:
        raise gr.Error(ctx.i18n("请先选择任务"))
    warn_version_change(ctx.i18n, ctx.runner.run_task(role, int(task_id)))
    return poll(ctx, tab, role=role, task_id=task_id, shown_job=shown_job)


@handles("取消任务失败")
def cancel(ctx: UIContext, tab: InferTab, *, role: str | None, task_id, shown_job) -> dict:
    if role and task_id:
        ctx.runner.cancel_task(role, int(task_id))
    return poll(ctx, tab, role=role, task_id=task_id, shown_job=shown_job)


def wire(tab: InferTab, ctx: UIContext, page: Page, *, task_created: gr.Button, created_task_id: gr.Number) -> None:
    """task_created/created_task_id: the task tab's create button and the id it shows, so a new task is offered here."""
    polled = {"role": page.role, "task_id": tab.task, "shown_job": tab.shown_job}
    outputs = [tab.progress, tab.details, tab.last_audio, tab.log, tab.shown_job]
    wire_task_picker(ctx, page, tab.task, tab.refresh)
    connect(ctx, task_created.click, refresh_task_picker, tab.task, {"role": page.role, "current": created_task_id},
            tab.task)
    connect(ctx, tab.timer.tick, poll, tab, polled, outputs, show_progress="hidden")
    connect(ctx, tab.task.change, poll, tab, polled, outputs)
    connect(ctx, tab.run.click, run, tab, polled, outputs)
    connect(ctx, tab.cancel.click, cancel, tab, polled, outputs)
