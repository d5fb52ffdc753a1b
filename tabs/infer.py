"""Infer tab: run a task's queue through GPT-SoVITS and watch it (progress, log, last result)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from tabs.common import Page, UIContext, require_role, ui_action
from tabs.widgets import (
    PRIVATE,
    poll_timer,
    progress_html,
    task_picker_row,
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


def build(ctx: UIContext) -> InferTab:
    i18n = ctx.i18n
    gr.Markdown(i18n("### 1. 选择任务"))
    with gr.Row():
        task, refresh = task_picker_row(i18n, "infer", scale=4)
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
    return InferTab(task, refresh, run, cancel, progress, details, last_audio, log, timer)


def details_md(i18n, status: dict) -> str:
    parts = []
    if status.get("jobs_per_min"):
        parts.append(f"{i18n('速度')}: {status['jobs_per_min']} {i18n('作业/分钟')}")
    failed = status.get("analysis_failed") or 0
    if status.get("done") and status.get("analysed", status["done"]) + failed < status["done"]:
        # spectrograms and metrics trail synthesis: say how far behind the analysis is
        parts.append(f"{i18n('已分析')}: {status['analysed']}/{status['done']}")
    if failed:  # analysis gave up on these (each result in the evaluate tab says why): nothing waits for them
        parts.append(f"⚠ {i18n('分析失败')}: {failed}")
    if status.get("eta_seconds") is not None and status["queued"]:
        parts.append(f"{i18n('预计剩余')}: {status['eta_seconds'] // 60} min {status['eta_seconds'] % 60} s")
    for current in status.get("current") or []:
        model = " / ".join(Path(p).name for p in (current.get("gpt"), current.get("sovits")) if p)
        parts.append(f"{current['worker']}: {i18n('作业')} #{current['job_id']} · {model or '-'} · "
                     f"{i18n('参考')} {Path(current['ref']).name}")
    # an engine set aside gets a line of its own with the reason: the user has to act on it
    set_aside = [f"⚠ {e['name']}: {engine_state_label(i18n, e['state'])} ({e['reason']})"
                 for e in status.get("engines") or [] if e["state"] != "ok"]
    if status.get("paused"):
        set_aside.insert(0, f"⚠ {status['paused']}")
    shown = "\n\n".join([" · ".join(parts)] + set_aside) if set_aside else " · ".join(parts)
    if "gsv_version" in status:  # what the task was made with, before anyone presses run
        shown = "\n\n".join(filter(None, [shown, versions_line(i18n, status)]))
    return shown


def engine_state_label(i18n, state: str) -> str:
    return {"down": i18n("无法连接，作业已转给其他引擎"),
            "quarantined": i18n("返回的不是音频，已隔离")}.get(state, state)


def wire(tab: InferTab, ctx: UIContext, page: Page, *, task_created: gr.Button, created_task_id: gr.Number) -> None:
    """task_created/created_task_id: the task tab's create button and the id it shows, so a new task is offered here."""
    i18n, role_picker, runner = ctx.i18n, page.role, ctx.runner

    @ui_action(i18n, "读取进度失败")
    def poll(role, task_id, shown_job):
        if not role or not task_id:
            return "", "", gr.update(), runner.log_tail(), shown_job
        status = runner.status(role, int(task_id))
        last = status.get("last_result")
        # only a new result replaces the player, so polling never interrupts listening
        audio = gr.update(value=last["audio"]) if last and last["job_id"] != shown_job else gr.update()
        return (progress_html(i18n, status), details_md(i18n, status), audio, runner.log_tail(),
                last["job_id"] if last else shown_job)

    @ui_action(i18n, "启动任务失败")
    def run(role, task_id):
        role = require_role(i18n, role)
        if not task_id:
            raise gr.Error(i18n("请先选择任务"))
        warn_version_change(i18n, runner.run_task(role, int(task_id)))

    @ui_action(i18n, "取消任务失败")
    def cancel(role, task_id):
        if role and task_id:
            runner.cancel_task(role, int(task_id))

    shown_job = gr.State(None)
    outputs = [tab.progress, tab.details, tab.last_audio, tab.log, shown_job]
    inputs = [role_picker, tab.task, shown_job]
    refresh = wire_task_picker(ctx, page, tab.task, tab.refresh)
    task_created.click(refresh, [role_picker, created_task_id], tab.task, **PRIVATE)
    tab.timer.tick(poll, inputs, outputs, show_progress="hidden", **PRIVATE)
    tab.task.change(poll, inputs, outputs, **PRIVATE)
    tab.run.click(run, [role_picker, tab.task], None, **PRIVATE).then(poll, inputs, outputs, **PRIVATE)
    tab.cancel.click(cancel, [role_picker, tab.task], None, **PRIVATE).then(poll, inputs, outputs, **PRIVATE)
