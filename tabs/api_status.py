"""The /status and /fetch_asr_model endpoints: what RAS found on this machine and uses, and getting a
missing speech recognition model (README, "API")."""
from __future__ import annotations

import gradio as gr

from ras.status import fetch_asr_model, machine_status
from tabs.api_json import to_json
from tabs.common import UIContext, ui_action


def register(ctx: UIContext) -> None:
    @ui_action(ctx.i18n, "读取状态失败")
    def status() -> dict:
        return to_json(machine_status(settings=ctx.settings, backend=ctx.backend, runner=ctx.runner,
                                      analyzer=ctx.analyzer))

    gr.api(status, api_name="status")

    @ui_action(ctx.i18n, "下载语音识别模型失败")
    def fetch_asr(lang: str) -> dict:
        """Download the standard speech recognition model of a language (zh, yue, ja, ko, en) from
        ModelScope into GPT-SoVITS's tools/asr/models (else the ModelScope cache); a complete folder
        already there is kept. Answers which model now hears the language."""
        return to_json(fetch_asr_model(settings=ctx.settings, lang=lang))

    gr.api(fetch_asr, api_name="fetch_asr_model")
