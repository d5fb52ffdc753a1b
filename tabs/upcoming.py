"""Tabs whose features land in later releases: each says what it will do."""
from __future__ import annotations

import gradio as gr

from tabs.common import UIContext

PLANNED: dict[str, tuple[str, str]] = {}


def build(ctx: UIContext, key: str) -> gr.Markdown:
    _, description = PLANNED[key]
    return gr.Markdown(f"⏳ {ctx.i18n('即将推出')}: {ctx.i18n(description)}", elem_id=f"{key}_planned")
