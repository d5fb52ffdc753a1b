"""The role picker above the tabs: every tab works on the role chosen here."""
from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from ras.status import MachineStatus, machine_status
from tabs.common import Page, UIContext, connect_each, handles
from tabs.widgets import refresh_button, refreshed_roles, role_choices


@dataclass(frozen=True)
class HeaderTab:
    role: gr.Dropdown
    refresh: gr.Button
    status: gr.Markdown
    status_refresh: gr.Button


def build(ctx: UIContext) -> HeaderTab:
    i18n = ctx.i18n
    gr.Markdown(f"## RAS · {i18n('GPT-SoVITS 参考音频筛选')}", elem_id="header_title")
    with gr.Row(equal_height=True):
        names = role_choices(ctx)
        role = gr.Dropdown(
            label=i18n("当前角色"), choices=names, value=names[0] if names else None,
            info=i18n("所有标签页都作用于这里选择的角色"), elem_id="header_role", scale=4,
        )
        refresh = refresh_button(i18n, "header_refresh", min_width=120)
    with gr.Accordion(i18n("本机状态"), open=False, elem_id="header_status_panel"):
        status = gr.Markdown(elem_id="header_status")
        status_refresh = refresh_button(i18n, "header_status_refresh", min_width=120)
    return HeaderTab(role=role, refresh=refresh, status=status, status_refresh=status_refresh)


def status_markdown(i18n, found: MachineStatus) -> str:
    none = i18n("未找到")
    engines = ", ".join(f"{e.name} ({e.state})" for e in found.engines) or none
    weights = ", ".join(f"{version}: {count}" for version, count in found.weights.items()) or none
    asr = ", ".join(f"{lang}: {model or none}" for lang, model in found.asr.items())
    rows = [
        (i18n("GPT-SoVITS 目录"), found.gsv_root or none), (i18n("GPT-SoVITS 版本"), found.gsv_version or none),
        (i18n("推理引擎"), engines), (i18n("模型（按版本计数）"), weights), (i18n("语音识别模型"), asr),
        (i18n("说话人模型"), found.speaker_model), (i18n("待分析结果"), found.analysis_backlog),
        (i18n("角色目录剩余空间"), f"{found.disk_free_bytes / 1e9:.1f} GB"),
    ]
    return "  \n".join(f"**{name}**: `{value}`" for name, value in rows)


@handles("读取角色失败")
def refresh(ctx: UIContext, tab: HeaderTab, *, role: str | None) -> dict:
    return {tab.role: refreshed_roles(ctx, role)}


@handles("读取状态失败")
def show_status(ctx: UIContext, tab: HeaderTab) -> dict:
    found = machine_status(settings=ctx.settings, backend=ctx.backend, runner=ctx.runner, analyzer=ctx.analyzer)
    return {tab.status: status_markdown(ctx.i18n, found)}


def wire(tab: HeaderTab, ctx: UIContext, page: Page) -> None:
    # on load too: a reopened page sees roles made since start-up
    connect_each(ctx, (tab.refresh.click, page.app.load), refresh, tab, {"role": tab.role}, tab.role)
    connect_each(ctx, (tab.status_refresh.click, page.app.load), show_status, tab, None, tab.status)
