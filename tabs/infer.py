"""Infer tab: run a task's queue through GPT-SoVITS and watch it (progress, log, last result)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from ras.queue import tasks
from tabs.common import UIContext, keep_choice, require_role, ui_action

POLL_SECONDS = 2.0


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
        task = gr.Dropdown(label=i18n("任务"), choices=[], scale=4, elem_id="infer_task")
        refresh = gr.Button(i18n("刷新"), scale=0, min_width=100, elem_id="infer_refresh")
    gr.Markdown(i18n("### 2. 运行"))
    gr.Markdown(i18n("取消会在当前作业完成后停止；关闭或崩溃后重新启动 RAS 会自动继续未完成的任务，已完成的结果不会丢失。"))
    with gr.Row():
        run = gr.Button(i18n("开始 / 继续"), variant="primary", elem_id="infer_run")
        cancel = gr.Button(i18n("取消"), variant="stop", elem_id="infer_cancel")
    progress = gr.HTML(elem_id="infer_progress")
    details = gr.Markdown(elem_id="infer_details")
    last_audio = gr.Audio(label=i18n("最新完成的结果"), type="filepath", interactive=False, elem_id="infer_last_audio")
    log = gr.Textbox(label=i18n("日志"), lines=10, max_lines=20, interactive=False, elem_id="infer_log")
    timer = gr.Timer(POLL_SECONDS, active=True)
    return InferTab(task, refresh, run, cancel, progress, details, last_audio, log, timer)


def task_choices(ctx: UIContext, role: str | None) -> list[tuple[str, int]]:
    if not role:
        return []
    return [(f"#{t['task_id']} {t['name']} ({t['done']}/{t['total']})", t["task_id"])
            for t in tasks.list_tasks(ws=ctx.ws, role=role)]


def task_picker(ctx: UIContext, role: str | None, current) -> dict:
    """The task dropdown of a tab, refreshed for the role (infer, evaluate and long text share it)."""
    return keep_choice(task_choices(ctx, role), current)


def progress_html(i18n, status: dict) -> str:
    total = max(status["total"], 1)
    done, failed = status["done"], status["failed"]
    pct_done, pct_failed = 100 * done / total, 100 * failed / total
    return (f'<div style="border:1px solid #ccc;border-radius:6px;height:22px;overflow:hidden;display:flex">'
            f'<div style="width:{pct_done:.1f}%;background:#f97316"></div>'
            f'<div style="width:{pct_failed:.1f}%;background:#dc2626"></div></div>'
            f'<div style="margin-top:4px">{done}/{status["total"]} {i18n("完成")} · {failed} {i18n("失败")} · '
            f'{status["queued"]} {i18n("排队")} · {status["running"]} {i18n("运行中")} · {i18n("状态")}: '
            f'{task_state_label(i18n, status["state"])}</div>')


def task_state_label(i18n, state: str) -> str:
    return {"idle": i18n("空闲"), "running": i18n("运行中")}.get(state, state)


def details_md(i18n, status: dict) -> str:
    parts = []
    if status.get("jobs_per_min"):
        parts.append(f"{i18n('速度')}: {status['jobs_per_min']} {i18n('作业/分钟')}")
    if status.get("eta_seconds") is not None and status["queued"]:
        parts.append(f"{i18n('预计剩余')}: {status['eta_seconds'] // 60} min {status['eta_seconds'] % 60} s")
    for current in status.get("current") or []:
        model = " / ".join(Path(p).name for p in (current.get("gpt"), current.get("sovits")) if p)
        parts.append(f"{current['worker']}: {i18n('作业')} #{current['job_id']} · {model or '-'} · "
                     f"{i18n('参考')} {Path(current['ref']).name}")
    return " · ".join(parts)


def wire(tab: InferTab, ctx: UIContext, others) -> None:
    i18n, role_picker, runner = ctx.i18n, others.header.role, ctx.runner

    def refresh(role, current):
        return task_picker(ctx, role, current)

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
        runner.run_task(role, int(task_id))

    @ui_action(i18n, "取消任务失败")
    def cancel(role, task_id):
        if role and task_id:
            runner.cancel_task(role, int(task_id))

    private = {"api_visibility": "private"}
    shown_job = gr.State(None)
    outputs = [tab.progress, tab.details, tab.last_audio, tab.log, shown_job]
    inputs = [role_picker, tab.task, shown_job]
    for trigger in (tab.refresh.click, role_picker.change, others.app.load):
        trigger(refresh, [role_picker, tab.task], tab.task, **private)
    others.task.create.click(refresh, [role_picker, others.task.task_id], tab.task, **private)
    tab.timer.tick(poll, inputs, outputs, show_progress="hidden", **private)
    tab.task.change(poll, inputs, outputs, **private)
    tab.run.click(run, [role_picker, tab.task], None, **private).then(poll, inputs, outputs, **private)
    tab.cancel.click(cancel, [role_picker, tab.task], None, **private).then(poll, inputs, outputs, **private)
