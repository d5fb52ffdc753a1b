"""The blind A/B tab's handlers, called as plain functions on a task whose takes are marked done."""
from __future__ import annotations

import gradio as gr
import pytest
from sqlalchemy import text

from ras.ab import sessions
from ras.errors import InputError
from ras.queue import tasks
from tabs import ab
from tests.fixtures.ab import finished_ab_task, tie_until_nothing_is_left, two_configuration_session
from tests.fixtures.ui import build_tab, product_form


@pytest.fixture
def ab_page(ui_ctx, tmp_path):
    role, task_id, _ = finished_ab_task(ui_ctx.ws, tmp_path)
    return ui_ctx, build_tab(ab, ui_ctx), role, task_id


def started(ctx, tab, role, task_id) -> tuple[dict, int]:
    shown = ab.start(ctx, tab, role=role, task=task_id, result_ids="", reveal=False)
    return shown, shown[tab.session]["value"]


def test_a_started_session_plays_a_pair_and_lists_the_candidates_hidden(ab_page):
    ctx, tab, role, task_id = ab_page
    shown, session_id = started(ctx, tab, role, task_id)
    minute = sessions.list_sessions(ws=ctx.ws, role=role)[0].created_at[:16].replace("T", " ")
    assert shown[tab.session]["choices"] == [(f"#{session_id} · 0 票 · {minute} UTC", session_id)]
    assert shown[tab.pair_id] is not None and shown[tab.text].startswith("**文本**: 第")
    assert shown[tab.audio_a].endswith(".wav") and shown[tab.audio_b].endswith(".wav")
    assert shown[tab.audio_a] != shown[tab.audio_b]
    assert len(shown[tab.ranking]) == 6 and "top_k" not in str(shown[tab.ranking])  # hidden while voting
    assert "尚未确定" in shown[tab.status] and "已投票 0" in shown[tab.status]


def test_a_vote_is_counted_in_the_status_line_and_the_session_picker(ab_page):
    ctx, tab, role, task_id = ab_page
    shown, session_id = started(ctx, tab, role, task_id)
    answer = ab.choose_a(ctx, tab, role=role, session=session_id, pair_id=shown[tab.pair_id], reveal=False,
                         task=task_id)
    assert "已投票 1" in answer[tab.status]
    assert "· 1 票 ·" in answer[tab.session]["choices"][0][0] and "value" not in answer[tab.session]
    assert answer[tab.pair_id] != shown[tab.pair_id]  # the next pair
    assert sessions.ranking(ws=ctx.ws, role=role, session_id=session_id).votes == 1


def test_reset_forgets_the_votes(ab_page):
    ctx, tab, role, task_id = ab_page
    shown, session_id = started(ctx, tab, role, task_id)
    ab.choose_tie(ctx, tab, role=role, session=session_id, pair_id=shown[tab.pair_id], reveal=False, task=task_id)
    answer = ab.reset(ctx, tab, role=role, session=session_id, reveal=False, task=task_id)
    assert "已投票 0" in answer[tab.status] and "· 0 票 ·" in answer[tab.session]["choices"][0][0]


def test_keep_fills_the_products_form_with_the_leaders_take(ab_page):
    ctx, tab, role, task_id = ab_page
    _, session_id = started(ctx, tab, role, task_id)
    form = product_form()
    answer = ab.keep(ctx, form, role=role, session=session_id)
    leader = sessions.ranking(ws=ctx.ws, role=role, session_id=session_id).ranking[0]
    assert answer[form.result_id] == sessions.best_take(ws=ctx.ws, role=role, session_id=session_id,
                                                        candidate_id=leader.candidate)
    assert answer[form.note] == "盲听第一名 · 0 票" and answer[form.name]
    assert answer[form.tabs].selected == "products"


def test_choosing_another_task_offers_its_sessions_only(ab_page):
    ctx, tab, role, task_id = ab_page
    _, session_id = started(ctx, tab, role, task_id)
    assert ab.on_task(ctx, tab, role=role, task=task_id, session=None)[tab.session]["value"] == session_id
    assert ab.on_task(ctx, tab, role=role, task=None, session=session_id)[tab.session]["choices"] == []


def test_mistakes_are_named(ab_page):
    ctx, tab, role, task_id = ab_page
    with pytest.raises(gr.Error, match="请先选择任务"):
        ab.start(ctx, tab, role=role, task=None, result_ids="", reveal=False)
    with pytest.raises(InputError, match="result ids must be whole numbers"):
        ab.start(ctx, tab, role=role, task=task_id, result_ids="1, two", reveal=False)
    with pytest.raises(gr.Error, match="请先开始或选择一次盲听"):
        ab.choose_b(ctx, tab, role=role, session=None, pair_id=None, reveal=False, task=task_id)
    with pytest.raises(gr.Error, match="请先开始或选择一次盲听"):
        ab.more_takes(ctx, tab, role=role, session=None, reveal=False)


def test_the_status_line_says_what_the_session_waits_for_and_the_page_polls_only_then(ab_page):
    ctx, tab, role, task_id = ab_page
    session_id = two_configuration_session(ctx.ws, role, task_id).session_id
    tie_until_nothing_is_left(ctx.ws, role, session_id)
    shown = ab.load(ctx, tab, role=role, session=session_id, reveal=False)
    assert "听不出差别的前几名: #1, #2" in shown[tab.status] and shown[tab.more_takes].visible
    assert not shown[tab.timer].active  # nothing on its way: nothing to poll for

    queued = sessions.queue_deciding_takes(ws=ctx.ws, role=role, session_id=session_id).job_ids
    shown = ab.load(ctx, tab, role=role, session=session_id, reveal=False)
    assert "正在合成加赛音频: 4" in shown[tab.status] and "听不出差别" not in shown[tab.status]
    assert shown[tab.timer].active and not shown[tab.more_takes].visible

    with ctx.ws.role_engine(role).begin() as conn:  # synthesized, not analysed yet
        conn.execute(text("UPDATE job SET status='done', result_path='results/' || id || '.wav' "
                          f"WHERE id IN ({','.join(map(str, queued))})"))
    shown = ab.load(ctx, tab, role=role, session=session_id, reveal=False)
    assert "等待分析的音频: 4" in shown[tab.status] and "正在合成" not in shown[tab.status]
    assert shown[tab.pair_id] is not None and not shown[tab.timer].active  # a pair to play: no re-render


def test_switching_to_a_role_picks_the_task_of_its_newest_session_so_the_session_can_be_resumed(ab_page):
    ctx, tab, role, task_id = ab_page
    _, session_id = started(ctx, tab, role, task_id)
    newer = tasks.create_task(ws=ctx.ws, role=role, spec={"clip_ids": [1], "text_ids": [1]}).task_id
    assert ab.refresh_task(ctx, tab, role=role, current=newer)[tab.task]["value"] == newer  # a kept pick stays

    picked = ab.on_role(ctx, tab, role=role)[tab.task]["value"]  # the role left behind had picked `newer`
    assert picked == task_id
    resumable = ab.on_task(ctx, tab, role=role, task=picked, session=None)[tab.session]
    assert resumable["value"] == session_id and [value for _, value in resumable["choices"]] == [session_id]
    assert ab.refresh_task(ctx, tab, role=role, current=None)[tab.task]["value"] == task_id  # page load


def test_a_role_without_sessions_gets_its_newest_task(ui_ctx, tmp_path):
    role, task_id, _ = finished_ab_task(ui_ctx.ws, tmp_path)
    newer = tasks.create_task(ws=ui_ctx.ws, role=role, spec={"clip_ids": [1], "text_ids": [1]}).task_id
    tab = build_tab(ab, ui_ctx)
    assert ab.on_role(ui_ctx, tab, role=role)[tab.task]["value"] == newer != task_id
