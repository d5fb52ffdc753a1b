"""Pickers, progress lines and event patterns that several tabs show the same way."""
from __future__ import annotations

import re
from abc import ABCMeta
from collections.abc import Callable, Iterable
from html import escape
from typing import TypeVar

import gradio as gr
from gradio.component_meta import ComponentMeta

from gsv_integration.request import SLIDERS, TEXT_SPLIT_METHODS, SynthesisRequest
from ras.ab import sessions as ab_sessions
from ras.errors import NotFound, RoleNotFound
from ras.library import roles
from ras.queue import tasks
from ras.queue.runner import TaskStarted
from ras.queue.task_spec import PARAMETERS
from ras.queue.task_status import TaskStatus
from ras.queue.versions import RecordedVersions
from tabs.common import Page, UIContext, choices, connect_each, handles, refreshed_choice

POLL_SECONDS = 2.0  # how often a running task's progress is re-read
PRIVATE = {"api_visibility": "private"}  # UI events stay out of the public API
PARAMETER_DEFAULTS = SynthesisRequest.defaults()  # GPT-SoVITS's own defaults
Read = TypeVar("Read")


class _StublessComponentMeta(ComponentMeta):
    """Gradio's component class maker without its last step, which writes a .pyi stub beside the module
    that defines a component (a copy of tabs/widgets.py in the user's folder, rewritten at every start)."""

    def __new__(cls, name, bases, attrs):
        if "__init__" in attrs or "EVENTS" in attrs:
            raise TypeError(f"{name}: a subclass with its own __init__ or events needs Gradio's ComponentMeta")
        return ABCMeta.__new__(cls, name, bases, attrs)


class RelistedRadio(gr.Radio, metaclass=_StublessComponentMeta):
    """A radio whose choices are replaced while the page may still send a pick of the old ones (the tries of
    the sentence shown a moment ago): such a pick reads as none, where gr.Radio fails the whole event with
    a "Value: 2 (type: <class 'int'>) is not in the list of choices" toast. A subclass, not a patched
    instance: Gradio rebuilds a component from its class when an event changes its choices."""

    def get_block_name(self) -> str:
        return "radio"  # drawn by Gradio's own radio

    def preprocess(self, payload):
        return payload if payload in [value for _label, value in self.choices] else None


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


def task_picker_row(i18n, tab: str, scale: int = 3, *, polled: bool = False) -> tuple[gr.Dropdown, gr.Button]:
    """The task dropdown and its refresh button (elem_ids <tab>_task, <tab>_refresh); call inside a gr.Row.
    polled: a timer's poll reads the pick (see polled_picker)."""
    task = (polled_picker(i18n("任务"), f"{tab}_task", scale=scale) if polled
            else gr.Dropdown(label=i18n("任务"), choices=[], scale=scale, elem_id=f"{tab}_task"))
    return task, refresh_button(i18n, f"{tab}_refresh")


@handles("读取任务失败")
def refresh_task_picker(ctx: UIContext, task: gr.Dropdown, *, role: str | None, current) -> dict:
    """The task dropdown with the role's tasks, keeping the picked one while it is still there."""
    return {task: task_picker(ctx, role, current)}


def wire_task_picker(ctx: UIContext, page: Page, task: gr.Dropdown, refresh: gr.Button) -> None:
    """Re-read the role's tasks on the refresh button, a role change and page load."""
    connect_each(ctx, (refresh.click, page.role.change, page.app.load), refresh_task_picker, task,
                 {"role": page.role, "current": task}, task)


def polled_picker(label: str, elem_id: str, **options) -> gr.Dropdown:
    """A run, session or task picker that a timer's poll reads. A poll sent just as a role switch empties the
    list still carries the old role's pick: Gradio would refuse a value not among the choices with an error
    toast before the handler could see it is stale, so the picker takes any value and the handler drops it
    (read_for_shown_role)."""
    return gr.Dropdown(label=label, choices=[], allow_custom_value=True, elem_id=elem_id, **options)


def picked_id(value) -> int | None:
    """A polled picker's pick as an id; None when nothing is picked or words were typed into it (the picker
    takes any value, and a poll must not fail on every tick for them)."""
    text = str(value if value is not None else "").strip()
    return int(text) if text.isdigit() and int(text) > 0 else None


def read_for_shown_role(read: Callable[[], Read], otherwise: Callable[[], Read], *, report_deleted_role: bool,
                           stale: type[NotFound] = NotFound) -> Read:
    """read(), or otherwise() when what the page picked belongs to the role it left behind (a poll crossing a
    role switch, or a pick deleted meanwhile): the service then raises `stale`. report_deleted_role: a
    RoleNotFound (the role itself is gone) reaches the user instead of showing nothing."""
    try:
        return read()
    except stale as gone:
        if report_deleted_role and isinstance(gone, RoleNotFound):
            raise
        return otherwise()


def poll_timer() -> gr.Timer:
    return gr.Timer(POLL_SECONDS, active=True)


def role_choices(ctx: UIContext) -> list[str]:
    return ctx.ws.role_names()  # names only: counting every role's clips would open every role's DB


def refreshed_roles(ctx: UIContext, current: str | None = None) -> dict:
    """The role picker's update: the roles on disk, keeping the current one while it exists."""
    return refreshed_choice(role_choices(ctx), current)


def role_rows(ctx: UIContext) -> list[list]:
    """The roles table: name and clip count."""
    return [[r.role, r.clips] for r in roles.list_roles(ws=ctx.ws)]


def task_choices(ctx: UIContext, role: str | None) -> list[tuple[str, int]]:
    if not role:
        return []
    return [(f"#{t.task_id} {t.name} ({t.counts.done}/{t.counts.total})", t.task_id)
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
    return refreshed_choice(task_choices(ctx, role), current)


def progress_bar(done: int, failed: int, total: int) -> str:
    """The bar of a run: done in orange, failed in red."""
    total = max(total, 1)
    return (f'<div style="border:1px solid #ccc;border-radius:6px;height:22px;overflow:hidden;display:flex">'
            f'<div style="width:{100 * done / total:.1f}%;background:#f97316"></div>'
            f'<div style="width:{100 * failed / total:.1f}%;background:#dc2626"></div></div>')


def progress_html(i18n, status: dict) -> str:
    """A run's bar and counts, from a dict of job counts and "state" (the long-text run's)."""
    done, failed = status["done"], status["failed"]
    return (progress_bar(done, failed, status["total"])
            + f'<div style="margin-top:4px">{done}/{status["total"]} {i18n("完成")} · {failed} {i18n("失败")} · '
            f'{status["queued"]} {i18n("排队")} · {status["running"]} {i18n("运行中")} · {i18n("状态")}: '
            f'{task_state_label(i18n, status["state"])}</div>')


def counted(count: int, one: str, many: str, **values) -> str:
    """A count with its noun in the right number: `one` and `many` are the translated forms with {n}
    (Chinese says both the same way; English says "1 job", "54 jobs")."""
    return (one if count == 1 else many).format(n=count, **values)


def task_progress_html(i18n, status: TaskStatus) -> str:
    """A task's bar and one line: where it stands in words (finished, waiting for analysis...), then the counts;
    the numbers behind the words are on hover."""
    counts = [counted(status.total, i18n("{done}/1 个作业完成"), i18n("{done}/{n} 个作业完成"), done=status.done)]
    counts += [f"{number} {word}" for number, word in ((status.failed, i18n("失败")), (status.queued, i18n("排队")),
                                                       (status.running, i18n("运行中"))) if number]
    if status.cancelled:
        counts.append(i18n("{n} 个已取消").format(n=status.cancelled))
    if status.added_takes:  # the count grew after the task was made: say by what
        why = i18n("盲听对比的加赛、长文本的自动重抽和找参考的轮次会为任务已有的设置和文本再加几条")
        counts.append(f'<span title="{escape(why)}" style="text-decoration:underline dotted">'
                      f'{i18n("含后加的 {n} 个作业").format(n=status.added_takes)}</span>')
    numbers = (f"{status.done} {i18n('完成')} · {status.analysed} {i18n('已分析')} · {status.analysis_failed} "
               f"{i18n('分析失败')} · {status.failed} {i18n('失败')} · {status.queued} {i18n('排队')}")
    stage = f'<b title="{escape(numbers)}">{task_stage_words(i18n, status)}</b>'
    return (progress_bar(status.done, status.failed, status.total)
            + f'<div style="margin-top:4px">{" · ".join([stage, *counts])}</div>')


def task_stage_words(i18n, status: TaskStatus) -> str:
    """Where a task stands, as a person would say it: running, not running, waiting for analysis, finished
    (and how many results analysis gave up on)."""
    if status.paused:
        words = i18n("等待磁盘空间")
    elif status.queued or status.running:
        words = i18n("运行中") if status.state == "running" else i18n("未运行：点“开始 / 继续”")
    elif not status.settled:  # every take is synthesized; analysis (or what follows it) is still going
        words = i18n("合成已完成，等待分析（已分析 {analysed}/{done}）").format(
            analysed=status.analysed + status.analysis_failed, done=status.done)
    else:
        words = i18n("已取消") if status.cancelled else i18n("已完成")
    if status.analysis_failed:
        words += " · " + counted(status.analysis_failed, i18n("1 个结果分析失败"), i18n("{n} 个结果分析失败"))
    return words


def task_state_label(i18n, state: str) -> str:
    return {"idle": i18n("空闲"), "running": i18n("运行中")}.get(state, state)


# how a task records an engine that does not report its code version (ras.queue.backend.code_version)
UNREPORTED_VERSION = re.compile(r"unknown \((api_v2|GPT-SoVITS) at (.+)\)")


def code_version_words(i18n, recorded: str) -> str:
    """A recorded GPT-SoVITS code version in the visitor's language ("version unknown (api_v2: url)")."""
    said = []
    for part in recorded.split(" + "):
        unreported = UNREPORTED_VERSION.fullmatch(part)
        said.append(f"{i18n('版本未知')} ({unreported.group(1)}: {unreported.group(2)})" if unreported else part)
    return " + ".join(said)


def versions_line(i18n, recorded: RecordedVersions) -> str:
    """One line: "GPT-SoVITS <code version> · GPT <file> (v2) · SoVITS <file> (v2Pro)" of a task."""
    code = code_version_words(i18n, recorded.gsv_version) if recorded.gsv_version else i18n("未记录")
    parts = [f"GPT-SoVITS {code}"]
    weights = recorded.weight_versions
    if weights is None:
        parts.append(f"{i18n('模型版本')} {i18n('未记录')}")
    for kind, label in (("gpt", "GPT"), ("sovits", "SoVITS")):
        named = [f"`{w.name}` ({w.version})" for w in weights or () if w.kind == kind]
        if named:
            parts.append(f"{label} {', '.join(named)}")
    return " · ".join(parts)


def warn_version_change(i18n, started: TaskStarted) -> None:
    """A task started on another GPT-SoVITS version than it was created on: say so with both versions."""
    change = started.version_change
    if change:
        gr.Warning(f"{i18n('GPT-SoVITS 版本已变化')}: {i18n('任务创建于')} {code_version_words(i18n, change.created)}, "
                   f"{i18n('现在运行于')} {code_version_words(i18n, change.current)}. "
                   f"{i18n('任务照常运行，但新结果可能与之前的不同。')}")


def product_key_parts(i18n, key: str | None) -> tuple[str, int]:
    """A product picker's value (ProductInfo.key, "<role>|<id>") as (role, product id)."""
    if not key or "|" not in key:
        raise gr.Error(i18n("请先选择成品"))
    role, product_id = key.rsplit("|", 1)
    return role, int(product_id)
