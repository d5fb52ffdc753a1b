"""The role picker above the tabs: every tab works on the role chosen here."""
from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from tabs.common import Page, UIContext, ui_action
from tabs.widgets import on_each, refresh_button, refreshed_roles, role_choices


@dataclass(frozen=True)
class HeaderTab:
    role: gr.Dropdown
    refresh: gr.Button


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
    return HeaderTab(role=role, refresh=refresh)


def wire(tab: HeaderTab, ctx: UIContext, page: Page) -> None:
    @ui_action(ctx.i18n, "读取角色失败")
    def refresh(current):
        return refreshed_roles(ctx, current)

    # on load too: a reopened page sees roles made since start-up
    on_each((tab.refresh.click, page.app.load), refresh, tab.role, tab.role)
