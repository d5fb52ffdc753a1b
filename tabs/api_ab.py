"""The stable gradio_client API for blind A/B listening (/ab_start, /ab_next, /ab_vote, /ab_ranking, /ab_more_takes)."""
from __future__ import annotations

from typing import Any

import gradio as gr

from ras.ab import sessions
from ras.errors import InputError
from tabs.api_json import to_json
from tabs.common import UIContext, json_object, ui_action

OPTION_KEYS = ("result_ids", "text_ids")


def parse_options(options: Any) -> dict[str, list[int]]:
    """{"result_ids": [...], "text_ids": [...]} (both optional); unknown keys are named."""
    found = json_object(options or {}, "options", '{"result_ids": [1, 2], "text_ids": [3]}')
    unknown = set(found) - set(OPTION_KEYS)
    if unknown:
        raise InputError(f"unknown A/B options {sorted(unknown)}; use {', '.join(OPTION_KEYS)}")
    parsed = {}
    for key in OPTION_KEYS:
        values = found.get(key) or []
        if not isinstance(values, list) or not all(_whole_number(v) for v in values):
            raise InputError(f"options.{key} must be a list of ids (whole numbers), got {str(values)[:80]!r}")
        parsed[key] = [int(v) for v in values]
    return parsed


def _whole_number(value: Any) -> bool:
    try:
        return not isinstance(value, bool) and int(value) == float(value)
    except (TypeError, ValueError, OverflowError):
        return False


def register(ctx: UIContext) -> None:
    ws, i18n, runner = ctx.ws, ctx.i18n, ctx.runner

    @ui_action(i18n, "开始盲听失败")
    def ab_start(role: str, task_id: int, options: Any = None) -> dict:
        parsed = parse_options(options)
        return to_json(sessions.start_session(ws=ws, role=role, task_id=int(task_id), **parsed))

    @ui_action(i18n, "读取下一对失败")
    def ab_next(role: str, session_id: int) -> dict:
        return to_json(sessions.next_pair(ws=ws, role=role, session_id=int(session_id)))

    @ui_action(i18n, "保存选择失败")
    def ab_vote(role: str, session_id: int, pair_id: int, choice: str) -> dict:
        return to_json(sessions.vote(ws=ws, role=role, session_id=int(session_id), pair_id=int(pair_id), choice=choice))

    @ui_action(i18n, "读取排名失败")
    def ab_ranking(role: str, session_id: int) -> dict:
        return to_json(sessions.ranking(ws=ws, role=role, session_id=int(session_id)))

    @ui_action(i18n, "加赛失败")
    def ab_more_takes(role: str, session_id: int) -> dict:
        return to_json(sessions.add_deciding_takes(ws=ws, runner=runner, role=role, session_id=int(session_id)))

    @ui_action(i18n, "重置盲听失败")
    def ab_reset(role: str, session_id: int) -> dict:
        return to_json(sessions.reset_session(ws=ws, role=role, session_id=int(session_id)))

    @ui_action(i18n, "读取盲听记录失败")
    def ab_sessions(role: str, task_id: int | None = None) -> dict:
        return {"sessions": to_json(sessions.list_sessions(ws=ws, role=role,
                                                           task_id=None if task_id is None else int(task_id)))}

    for fn in (ab_start, ab_next, ab_vote, ab_ranking, ab_more_takes, ab_reset, ab_sessions):
        gr.api(fn, api_name=fn.__name__)
