"""The /status endpoint: what RAS found on this machine and uses (README, "API")."""
from __future__ import annotations

import gradio as gr

from ras.status import machine_status
from tabs.api_json import to_json
from tabs.common import UIContext, ui_action


def register(ctx: UIContext) -> None:
    @ui_action(ctx.i18n, "读取状态失败")
    def status() -> dict:
        return to_json(machine_status(settings=ctx.settings, backend=ctx.backend, runner=ctx.runner,
                                      analyzer=ctx.analyzer))

    gr.api(status, api_name="status")
