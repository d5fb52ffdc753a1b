"""The stable gradio_client API for models, tasks, the queue, results and metrics.

Each endpoint parses its arguments, calls one service and turns its typed answer into the documented
JSON (tabs.api_json.to_json)."""
from __future__ import annotations

from typing import Any

import gradio as gr

from ras import results
from ras.errors import InputError
from ras.languages import require_lang
from ras.library import clips
from ras.queue import tasks
from ras.queue.task_spec import SPEC_KEYS
from tabs.api_json import to_json
from tabs.common import UIContext, json_object, request_file, ui_action


def parse_spec(spec: Any) -> dict:
    spec = json_object(spec, "spec")
    unknown = sorted(str(k)[:40] for k in spec if k not in SPEC_KEYS)
    if unknown:  # a misspelt key would otherwise be ignored without a word
        raise InputError(f"unknown spec key(s) {', '.join(unknown)}; use {', '.join(SPEC_KEYS)}")
    return spec


def register(ctx: UIContext) -> None:
    ws, i18n, settings = ctx.ws, ctx.i18n, ctx.settings
    backend, runner, analyzer = ctx.backend, ctx.runner, ctx.analyzer

    @ui_action(i18n, "读取模型失败")
    def list_models() -> dict:
        return to_json(backend.list_models())

    @ui_action(i18n, "创建任务失败")
    def create_task(role: str, spec: Any) -> dict:
        return to_json(tasks.create_task(ws=ws, role=role, spec=parse_spec(spec), max_jobs=settings.max_jobs_per_task,
                                         code_version=backend.code_version(), **backend.weight_choosers()))

    @ui_action(i18n, "启动任务失败")
    def run_task(role: str, task_id: int) -> dict:
        return to_json(runner.run_task(role, int(task_id)))

    @ui_action(i18n, "读取进度失败")
    def task_status(role: str, task_id: int) -> dict:
        return to_json(runner.status(role, int(task_id)))

    @ui_action(i18n, "取消任务失败")
    def cancel_task(role: str, task_id: int) -> dict:
        return to_json(runner.cancel_task(role, int(task_id)))

    @ui_action(i18n, "读取结果失败")
    def list_results(role: str, task_id: int, sort: str = "duration", page: int = 1, page_size: int = 50) -> dict:
        return to_json(results.list_results(ws=ws, role=role, task_id=int(task_id), sort=sort, page=int(page),
                                            page_size=int(page_size)))

    @ui_action(i18n, "评分失败")
    def score_result(role: str, result_id: int, score: float, note: str = "") -> dict:
        return {"result": to_json(results.score_result(ws=ws, role=role, result_id=int(result_id), score=score,
                                                       note=note))}

    @ui_action(i18n, "分析失败")
    def analyze_audio(audio_file: Any, text: str, text_lang: str, role: str = "",
                      ref_clip_id: int | None = None) -> dict:
        ref = None
        if ref_clip_id is not None:
            if not role:
                raise InputError("ref_clip_id needs the role it belongs to: pass role too")
            ref = clips.clip_audio_path(ws, role, clips.get_clip(ws=ws, role=role, clip_id=int(ref_clip_id)))
        path = request_file(ctx, audio_file, "audio file")
        return analyzer.analyze_file(path, text, require_lang(text_lang), ref)

    for fn in (list_models, create_task, run_task, cancel_task, score_result, analyze_audio):
        gr.api(fn, api_name=fn.__name__)
    for fn in (task_status, list_results):
        # polled reads answer straight away: no queue round (job, event stream) around a few-ms DB read
        gr.api(fn, api_name=fn.__name__, queue=False)
