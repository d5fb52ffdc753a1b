"""The gradio_client API of the finder, over reference clips or configurations.

/find_reference and /find_reference_status are the stable contract; a spec with "mode"
("checkpoints" or "settings") races configurations, as /find_checkpoint does (mode
"checkpoints" unless given), and either status endpoint answers for either kind of run.
list, delete and force-in are extras the finder tab also uses. /finder_compare_blind hears a
finished run's shortlist (or a configuration run's top finalists) blind; /checkpoint_to_product
keeps a configuration run's candidate as a product. The services' typed results become JSON
here (tabs.api_json); no returned dict has a "path" key.
"""
from __future__ import annotations

from typing import Any

import gradio as gr

from ras.finder import config_run, config_stages, emotion_runs
from ras.finder import run as finder_runs
from ras.finder import status as finder_status
from tabs.api_json import to_json
from tabs.common import UIContext, json_object, ui_action
from tabs.finder_blind import start_blind_comparison
from tabs.finder_keep import keep_candidate


def register(ctx: UIContext) -> None:
    ws, i18n, backend, runner, driver = ctx.ws, ctx.i18n, ctx.backend, ctx.runner, ctx.finder

    def start(role: str, found: dict) -> dict:
        if config_run.is_config_run(found):
            run_id = config_run.create_config_run(ws=ws, role=role, spec=found,
                                                  available_weights=backend.available_weights,
                                                  **backend.weight_choosers())
        elif emotion_runs.wants_emotions(found):
            run_id = emotion_runs.create_emotion_run(ws=ws, role=role, spec=found, **backend.weight_choosers())
        else:
            run_id = finder_runs.create_run(ws=ws, role=role, spec=found, **backend.weight_choosers())
        driver.watch(role)
        return {"run_id": run_id}

    def run_status(role: str, run_id: int) -> dict:
        if config_run.is_config_run(finder_runs.load_run(ws, role, int(run_id)).spec):
            return to_json(config_stages.status(ws=ws, runner=runner, role=role, run_id=int(run_id)))
        return to_json(finder_status.status(ws=ws, runner=runner, role=role, run_id=int(run_id)))

    @ui_action(i18n, "启动找参考失败")
    def find_reference(role: str, spec: Any) -> dict:
        # the finder names its own unknown spec keys (a task spec's keys are other ones)
        return start(role, json_object(spec, "spec", '{"shortlist": 5, "budget_jobs": 120}'))

    @ui_action(i18n, "读取找参考进度失败")
    def find_reference_status(role: str, run_id: int) -> dict:
        return run_status(role, run_id)

    @ui_action(i18n, "启动找模型失败")
    def find_checkpoint(role: str, spec: Any) -> dict:
        found = json_object(spec, "spec", '{"gpt": [], "sovits": [], "clip_ids": [1]}')
        return start(role, {"mode": "checkpoints", **found})

    @ui_action(i18n, "读取找模型进度失败")
    def find_checkpoint_status(role: str, run_id: int) -> dict:
        return run_status(role, run_id)

    @ui_action(i18n, "读取找参考记录失败")
    def list_finder_runs(role: str) -> dict:
        return {"runs": to_json(finder_runs.list_runs(ws=ws, role=role))}

    @ui_action(i18n, "删除找参考记录失败")
    def delete_finder_run(role: str, run_id: int) -> dict:
        return to_json(finder_runs.delete_run(ws=ws, runner=runner, role=role, run_id=int(run_id)))

    @ui_action(i18n, "放回候选失败")
    def force_finder_clip(role: str, run_id: int, clip_id: int, include: bool = True) -> dict:
        forced = finder_runs.force_clip(ws=ws, role=role, run_id=int(run_id), clip_id=int(clip_id),
                                        include=bool(include))
        driver.watch(role)
        return to_json(forced)

    @ui_action(i18n, "开始盲听失败")
    def finder_compare_blind(role: str, run_id: int) -> dict:
        return to_json(start_blind_comparison(ws=ws, role=role, run_id=int(run_id)))

    @ui_action(i18n, "创建成品失败")
    def checkpoint_to_product(role: str, run_id: int, name: str = "", candidate: int | None = None) -> dict:
        # candidate: a ranking row's "index"; None keeps the recommended one
        return to_json(keep_candidate(ws=ws, role=role, run_id=int(run_id), name=name or "",
                                      index=None if candidate is None else int(candidate)))

    for fn in (find_reference, find_reference_status, find_checkpoint, find_checkpoint_status, list_finder_runs,
               delete_finder_run, force_finder_clip, finder_compare_blind, checkpoint_to_product):
        gr.api(fn, api_name=fn.__name__)
