"""Pickers, progress lines and event patterns that several tabs show the same way."""
from __future__ import annotations

from collections.abc import Callable, Iterable

import gradio as gr

from gsv_integration.request import SLIDERS, TEXT_SPLIT_METHODS, SynthesisRequest
from ras.ab import sessions as ab_sessions
from ras.library import roles
from ras.queue import tasks
from ras.queue.task_spec import PARAMETERS
from tabs.common import Page, UIContext, choices, keep_choice, ui_action

POLL_SECONDS = 2.0  # how often a running task's progress is re-read
PRIVATE = {"api_visibility": "private"}  # UI events stay out of the public API
PARAMETER_DEFAULTS = SynthesisRequest.defaults()  # GPT-SoVITS's own defaults


def parameter_slider(param: str, label: str, elem_id: str) -> gr.Slider:
    """A synthesis-parameter slider with GPT-SoVITS's own range and default (param is the task-spec name)."""
    field = PARAMETERS[param][0]  # the request's name of the parameter (speed -> speed_factor)
    low, high, step = SLIDERS[field]
    return gr.Slider(low, high, value=PARAMETER_DEFAULTS[field], step=step, label=label, elem_id=elem_id)


def split_method_dropdown(i18n, elem_id: str) -> gr.Dropdown:
    """GPT-SoVITS's text split methods under its own labels; the value is the code (cut0-cut5)."""
    return gr.Dropdown(choices(i18n, [(f"{label} ({code})", code) for code, label in TEXT_SPLIT_METHODS]),
                       value=PARAMETER_DEFAULTS["text_split_method"], label=i18n("切分方式"), elem_id=elem_id)


def on_each(triggers: Iterable[Callable], fn: Callable, inputs, outputs, **options) -> None:
    """One handler for several events, e.g. a tab's refresh button, the role picker and the page load."""
    for trigger in triggers:
        trigger(fn, inputs, outputs, **PRIVATE, **options)


def refresh_button(i18n, elem_id: str, min_width: int = 100) -> gr.Button:
    """The small button beside a picker that re-reads its choices."""
    return gr.Button(i18n("刷新"), scale=0, min_width=min_width, elem_id=elem_id)


def task_picker_row(i18n, tab: str, scale: int = 3) -> tuple[gr.Dropdown, gr.Button]:
    """The task dropdown and its refresh button (elem_ids <tab>_task, <tab>_refresh); call inside a gr.Row."""
    task = gr.Dropdown(label=i18n("任务"), choices=[], scale=scale, elem_id=f"{tab}_task")
    return task, refresh_button(i18n, f"{tab}_refresh")


def wire_task_picker(ctx: UIContext, page: Page, task: gr.Dropdown, refresh: gr.Button) -> Callable:
    """Re-read the role's tasks on the refresh button, a role change and page load; returns the handler."""

    @ui_action(ctx.i18n, "读取任务失败")
    def refresh_tasks(role, current):
        return task_picker(ctx, role, current)

    on_each((refresh.click, page.role.change, page.app.load), refresh_tasks, [page.role, task], task)
    return refresh_tasks


def poll_timer() -> gr.Timer:
    return gr.Timer(POLL_SECONDS, active=True)


def role_choices(ctx: UIContext) -> list[str]:
    return [r["role"] for r in roles.list_roles(ws=ctx.ws)]


def refreshed_roles(ctx: UIContext, current: str | None = None) -> dict:
    """The role picker's update: the roles on disk, keeping the current one while it exists."""
    names = role_choices(ctx)
    value = current if current in names else (names[0] if names else None)
    return gr.update(choices=names, value=value)


def role_rows(ctx: UIContext) -> list[list]:
    """The roles table: name and clip count."""
    return [[r["role"], r["clips"]] for r in roles.list_roles(ws=ctx.ws)]


def task_choices(ctx: UIContext, role: str | None) -> list[tuple[str, int]]:
    if not role:
        return []
    return [(f"#{t['task_id']} {t['name']} ({t['done']}/{t['total']})", t["task_id"])
            for t in tasks.list_tasks(ws=ctx.ws, role=role)]


def ab_session_choices(ctx: UIContext, role: str | None, task_id) -> list[tuple[str, int]]:
    """The blind A/B sessions of a task, newest first (the A/B tab and the finder's shortcut to it)."""
    if not role or not task_id:
        return []
    # the minute it started is enough to tell sessions apart ("2026-12-01T10:48:29+00:00" -> "2026-12-01 10:48 UTC")
    return [(f"#{s.session_id} · {s.votes} {ctx.i18n('票')} · {s.created_at[:16].replace('T', ' ')} UTC", s.session_id)
            for s in ab_sessions.list_sessions(ws=ctx.ws, role=role, task_id=int(task_id))]


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


def versions_line(i18n, recorded: dict) -> str:
    """One line: "GPT-SoVITS <code version> · GPT <file> (v2) · SoVITS <file> (v2Pro)" of a task or product."""
    code = recorded.get("gsv_version") or i18n("未记录")
    parts = [f"GPT-SoVITS {code}"]
    weights = recorded.get("weight_versions")
    if weights is None:
        parts.append(f"{i18n('模型版本')} {i18n('未记录')}")
    for kind, label in (("gpt", "GPT"), ("sovits", "SoVITS")):
        named = [f"`{w['name']}` ({w['version']})" for w in weights or () if w["kind"] == kind]
        if named:
            parts.append(f"{label} {', '.join(named)}")
    return " · ".join(parts)


def warn_version_change(i18n, started: dict) -> None:
    """A task started on another GPT-SoVITS version than it was created on: say so with both versions."""
    change = started.get("version_change")
    if change:
        gr.Warning(f"{i18n('GPT-SoVITS 版本已变化')}: {i18n('任务创建于')} {change['created']}, "
                   f"{i18n('现在运行于')} {change['current']}. {i18n('任务照常运行，但新结果可能与之前的不同。')}")
