"""`settled` of a blind A/B session through gradio_client, on the real app with a planted api_v2 engine: a session
whose candidates are too close to call gets a deciding round, and is settled only once the round's takes are
synthesized and analysed (or their analysis failed) - and then stays settled with no job added."""
from __future__ import annotations

import time

import pytest
from gradio_client.exceptions import AppError

from tests.fixtures.app import role_with_references, wait_for
from tests.fixtures.gsv import REF_TEXT
from tests.fixtures.planted import launch_planted_app, start_planted_server
from tests.fixtures.planted_engine import Profile

pytestmark = pytest.mark.slow
SECONDS_PER_TAKE = 3.0  # the planted engine answers this late, so the first poll sees the round on its way


def everything_stored(status: dict) -> bool:
    """Every job of the task is finished (done or failed) and every finished one analysed or given up on."""
    return (status["queued"] == 0 and status["running"] == 0
            and status["analysed"] + status["analysis_failed"] == status["done"])


def test_settled_waits_for_the_deciding_takes_and_their_analysis(tmp_path):
    server = start_planted_server(tmp_path, {"default": Profile()}, mode="slow", slow_seconds=SECONDS_PER_TAKE)
    app = launch_planted_app(tmp_path, [server])
    try:
        client = app.client()
        role, clip_ids = role_with_references(client, tmp_path, "盲听", "稳定", voices=(("en+m3", REF_TEXT),))
        models = client.predict(api_name="/list_models")
        text_id = client.predict("The boat left the harbour at noon.", "en", "", api_name="/add_text")["id"]
        spec = {"clip_ids": clip_ids, "text_ids": [text_id], "vary": {"top_k": [3, 10]},
                "base": {"gpt": models["gpt"][0]["name"], "sovits": models["sovits"][0]["name"], "seed": 3}}
        task_id = client.predict(role, spec, api_name="/create_task")["task_id"]
        client.predict(role, task_id, api_name="/run_task")
        wait_for(lambda: (s := client.predict(role, task_id, api_name="/task_status"))["done"] == 2
                 and everything_stored(s), timeout=300, interval=1, what="two analysed takes")

        session_id = client.predict(role, task_id, {}, api_name="/ab_start")["session_id"]
        ranked = client.predict(role, session_id, api_name="/ab_ranking")
        assert ranked["settled"] and not ranked["decided"]  # only a person's votes move it on
        while (pair := client.predict(role, session_id, api_name="/ab_next"))["pair_id"] is not None:
            assert pair["settled"]
            client.predict(role, session_id, pair["pair_id"], "tie", api_name="/ab_vote")
        ranked = client.predict(role, session_id, api_name="/ab_ranking")
        assert len(ranked["too_close"]) == 2 and ranked["settled"] and not ranked["decided"]

        queued = client.predict(role, session_id, api_name="/ab_more_takes")
        assert queued["queued"] == 2
        seen = []
        deadline = time.time() + 300
        while True:  # status before, ranking, status after: each reading is checked against both neighbours
            before = client.predict(role, task_id, api_name="/task_status")
            ranked = client.predict(role, session_id, api_name="/ab_ranking")
            after = client.predict(role, task_id, api_name="/task_status")
            seen.append((ranked["settled"], ranked["takes_pending"], ranked["takes_unanalysed"]))
            if ranked["settled"]:
                assert after["total"] == 4 and after["done"] == 4 and everything_stored(after), (seen, after)
                break
            assert not everything_stored(before) or before["total"] < 4, (seen, before)
            assert ranked["takes_pending"] + ranked["takes_unanalysed"] > 0, seen
            assert time.time() < deadline, f"not settled after 300 s: {seen[-5:]}"
            time.sleep(0.3)
        assert not seen[0][0] and seen[0][1] > 0, seen  # right after queuing: takes on their way
        print("\nsettled, takes pending, takes awaiting analysis per poll:", seen)

        # settled holds: nothing is added, and both answers say so
        for _ in range(5):
            time.sleep(1)
            assert client.predict(role, session_id, api_name="/ab_ranking")["settled"]
            assert client.predict(role, task_id, api_name="/task_status")["total"] == 4
        pair = client.predict(role, session_id, api_name="/ab_next")
        assert pair["pair_id"] is not None and pair["settled"]  # the new takes are there to hear

        # a user's mistakes are named, and logged as one line each (Gradio prints its own traceback of the
        # error it shows; RAS logs a bug with ERROR and its traceback)
        with pytest.raises(AppError, match="'left' is not one of"):
            client.predict(role, session_id, pair["pair_id"], "left", api_name="/ab_vote")
        with pytest.raises(AppError, match="A/B session 9999 not found"):
            client.predict(role, 9999, api_name="/ab_ranking")
        with pytest.raises(AppError, match="options.result_ids must be a list of ids"):
            client.predict(role, task_id, {"result_ids": ["x"]}, api_name="/ab_start")
        log = app.log()
        assert "ras.ui ERROR" not in log
        assert all(f"ras.ui INFO {what} ({kind})" in log for what, kind in (
            ("保存选择失败", "InputError"), ("读取排名失败", "RowNotFound"), ("开始盲听失败", "InputError")))
    finally:
        app.stop()
        server.kill()
