"""Tasks through the public API on the planted api_v2 engine: /task_status says `settled` only once nothing
more will happen by itself (every take synthesized and analysed, or its analysis given up), and the
answers keep the documented keys."""
from __future__ import annotations

import os
import signal
import time

import pytest

from benchmarks.soak import analysis_processes
from tests.fixtures.app import role_with_references, wait_for
from tests.fixtures.gsv import REF_TEXT
from tests.fixtures.planted import launch_planted_app, start_planted_server
from tests.fixtures.planted_engine import Profile

pytestmark = pytest.mark.slow
JOBS = 4
STATUS_KEYS = {"total", "queued", "running", "done", "failed", "settled"}
RESULT_KEYS = {"id", "clip_id", "text_id", "params", "audio", "duration", "spectrogram", "metrics", "score",
               "analysis_error"}


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tasks_api")
    server = start_planted_server(folder, {"default": Profile()})
    app = launch_planted_app(folder, [server])
    client = app.client()
    role, clip_ids = role_with_references(client, folder, "任务", "接口", voices=(("en+m3", REF_TEXT),))
    text_id = client.predict("The lake was calm this morning.", "en", "short", api_name="/add_text")["id"]
    models = client.predict(api_name="/list_models")
    spec = {"clip_ids": clip_ids, "text_ids": [text_id], "vary": {"seed": list(range(1, JOBS + 1))},
            "base": {"gpt": models["gpt"][0]["name"], "sovits": models["sovits"][0]["name"]}}
    yield app, client, role, spec
    app.stop()
    server.kill()


def test_settled_waits_for_the_last_analysis_and_stays_true(planted):
    app, client, role, spec = planted
    created = client.predict(role, spec, api_name="/create_task")
    assert created["jobs"] == JOBS
    task_id = created["task_id"]

    def status():
        return client.predict(role, task_id, api_name="/task_status")

    assert not status()["settled"]  # queued, not started: a person has to press run, but jobs are waiting
    client.predict(role, task_id, api_name="/run_task")  # starts the analysis processes too
    stopped = wait_for(lambda: analysis_processes(app.process.pid), timeout=60, what="analysis processes")
    for pid in stopped:
        os.kill(pid, signal.SIGSTOP)  # analysis trails synthesis by as long as we like
    try:
        synthesized = wait_for(lambda: (s := status())["done"] == JOBS and s["running"] == 0 and s, timeout=180,
                               what="every take synthesized")
        assert synthesized["analysed"] + synthesized["analysis_failed"] < JOBS
        for _ in range(3):  # synthesis is over, analysis is not: not settled, however often it is asked
            assert not status()["settled"]
            time.sleep(0.5)
    finally:
        for pid in stopped:
            os.kill(pid, signal.SIGCONT)

    seen = []

    def settled():
        answer = status()
        seen.append(answer)
        return answer["settled"] and answer

    final = wait_for(settled, timeout=600, interval=0.2, what="the task to settle")
    assert final["analysed"] + final["analysis_failed"] == final["done"] == final["total"] == JOBS
    for answer in seen:  # never settled early
        if answer["settled"]:
            assert answer["analysed"] + answer["analysis_failed"] == JOBS and answer["queued"] == answer["running"] == 0
    listed = client.predict(role, task_id, "id", 1, 50, api_name="/list_results")
    assert all(r["spectrogram"] or r["analysis_error"] for r in listed["results"])
    time.sleep(3)
    later = status()
    assert later["settled"] and later["total"] == JOBS  # nothing was added afterwards


def test_task_answers_keep_their_documented_keys(planted):
    _, client, role, spec = planted
    task_id = client.predict(role, {**spec, "vary": {"seed": [11]}}, api_name="/create_task")["task_id"]
    started = client.predict(role, task_id, api_name="/run_task")
    assert started["task_id"] == task_id and started["status"] == "running" and started["version_change"] is None
    status = wait_for(lambda: (s := client.predict(role, task_id, api_name="/task_status"))["settled"] and s,
                      timeout=300, what="the one-job task to settle")
    assert set(status) >= STATUS_KEYS and status["added_takes"] == 0 and status["last_result"]["audio"]
    assert {"name", "state", "reason"} <= set(status["engines"][0])
    page = client.predict(role, task_id, "duration", 1, 50, api_name="/list_results")
    assert page["total"] == 1 and set(page["results"][0]) >= RESULT_KEYS
    scored = client.predict(role, page["results"][0]["id"], 4, "clear", api_name="/score_result")["result"]
    assert scored["score"] == 4 and scored["note"] == "clear" and isinstance(scored["flags"], list)
    assert client.predict(role, task_id, api_name="/cancel_task") == {"task_id": task_id, "status": "cancelled"}
    models = client.predict(api_name="/list_models")
    assert {"name", "file", "version"} == set(models["gpt"][0]) and "capabilities" in models
