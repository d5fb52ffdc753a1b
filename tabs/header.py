"""The role picker above the tabs: every tab works on the role chosen here."""
from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from ras.library import roles
from tabs.common import UIContext


@dataclass(frozen=True)
class HeaderTab:
    role: gr.Dropdown
    refresh: gr.Button


def role_choices(ctx: UIContext) -> list[str]:
    return [r["role"] for r in roles.list_roles(ws=ctx.ws)]


def build(ctx: UIContext) -> HeaderTab:
    i18n = ctx.i18n
    gr.Markdown(f"## RAS · {i18n('GPT-SoVITS 参考音频筛选')}", elem_id="header_title")
    with gr.Row(equal_height=True):
        names = role_choices(ctx)
        role = gr.Dropdown(
            label=i18n("当前角色"), choices=names, value=names[0] if names else None,
            info=i18n("所有标签页都作用于这里选择的角色"), elem_id="header_role", scale=4,
        )
        refresh = gr.Button(i18n("刷新"), elem_id="header_refresh", scale=0, min_width=120)
    return HeaderTab(role=role, refresh=refresh)


def refreshed_roles(ctx: UIContext, current: str | None = None):
    names = role_choices(ctx)
    value = current if current in names else (names[0] if names else None)
    return gr.update(choices=names, value=value)


def wire(tab: HeaderTab, ctx: UIContext, others) -> None:
    refresh = dict(fn=lambda current: refreshed_roles(ctx, current), inputs=tab.role, outputs=tab.role,
                   api_visibility="private")
    tab.refresh.click(**refresh)
    others.app.load(**refresh)  # a reopened page sees roles made since start-up
