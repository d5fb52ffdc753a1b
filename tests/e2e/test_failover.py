"""A pool of api_v2 servers (and local workers): a killed server's jobs go to the others, it is used
again once it is back, and a server that answers garbage is set aside with the reason shown in
/task_status."""
from __future__ import annotations

import pytest

from tests.fixtures.app import gsv_app_args, launch_app, role_with_references, wait_for
from tests.fixtures.gsv import REF_TEXT
from tests.fixtures.planted import launch_planted_app, start_planted_server
from tests.fixtures.planted_engine import Profile

TEXTS = ("The weather today is calm and the lake is very quiet.",
         "Please send the report before noon on Friday.",
         "We walked along the river until the sun went down.")
CLEAN = {"default": Profile(fail_rate=0.0)}


def start_task(client, role: str, clip_ids: list[int], text_ids: list[int], seeds: range) -> int:
    models = client.predict(api_name="/list_models")
    spec = {"clip_ids": clip_ids, "text_ids": text_ids, "vary": {"seed": list(seeds)},
            "base": {"gpt": models["gpt"][0]["name"], "sovits": models["sovits"][0]["name"]}}
    task_id = client.predict(role, spec, api_name="/create_task")["task_id"]
    client.predict(role, task_id, api_name="/run_task")
    return task_id


def finished_status(client, role: str, task_id: int, total: int, timeout: float = 300) -> dict:
    def finished():
        status = client.predict(role, task_id, api_name="/task_status")
        return status if status["done"] + status["failed"] == total and not status["running"] else None

    return wait_for(finished, timeout=timeout, interval=1.0, what=f"{total} jobs of task {task_id}")


def engine(status: dict, name: str) -> dict:
    return next(e for e in status["engines"] if e["name"] == name)


@pytest.mark.slow
def test_killed_server_moves_its_jobs_and_is_used_again_when_back(tmp_path):
    # the first server is slow, so the kill lands while it is synthesizing a take
    first = start_planted_server(tmp_path, CLEAN, mode="slow", slow_seconds=0.4)
    second = start_planted_server(tmp_path, CLEAN)
    app = None
    try:
        app = launch_planted_app(tmp_path, [first, second])
        client = app.client()
        role, clip_ids = role_with_references(client, tmp_path, "池", "故障", voices=(("en+m3", REF_TEXT),))
        text_ids = [client.predict(text, "en", "", api_name="/add_text")["id"] for text in TEXTS]
        task_id = start_task(client, role, clip_ids, text_ids, range(1, 21))  # 3 texts x 20 seeds = 60 jobs
        wait_for(lambda: len(first.takes()) >= 2, timeout=120, interval=0.05, what="two takes on the first server")
        first.kill()
        status = finished_status(client, role, task_id, 60)
        assert (status["done"], status["failed"]) == (60, 0), status
        assert engine(status, "api1")["state"] == "down"
        assert first.url in engine(status, "api1")["reason"]
        assert engine(status, "api2") == {"name": "api2", "state": "ok", "reason": ""}
        taken_by_first = len(first.takes())
        assert len(second.takes()) >= 60 - taken_by_first

        first.restart()
        wait_for(lambda: engine(client.predict(role, task_id, api_name="/task_status"), "api1")["state"] == "ok",
                 timeout=60, what="the restarted server to be used again")
        again = start_task(client, role, clip_ids, text_ids[:1], range(100, 112))
        status = finished_status(client, role, again, 12)
        assert (status["done"], status["failed"]) == (12, 0), status
        assert len(first.takes()) > taken_by_first  # the server that came back got jobs
    finally:
        if app is not None:
            app.stop()
        first.kill()
        second.kill()


@pytest.mark.slow
def test_garbage_server_is_quarantined_with_the_reason(tmp_path):
    garbage = start_planted_server(tmp_path, CLEAN, mode="garbage")
    good = start_planted_server(tmp_path, CLEAN)
    app = None
    try:
        app = launch_planted_app(tmp_path, [garbage, good])
        client = app.client()
        role, clip_ids = role_with_references(client, tmp_path, "池", "垃圾", voices=(("en+m3", REF_TEXT),))
        text_id = client.predict(TEXTS[0], "en", "", api_name="/add_text")["id"]
        task_id = start_task(client, role, clip_ids, [text_id], range(1, 11))
        status = finished_status(client, role, task_id, 10)
        assert (status["done"], status["failed"]) == (10, 0), status
        quarantined = engine(status, "api1")
        assert quarantined["state"] == "quarantined"
        assert "not a wav file" in quarantined["reason"] and garbage.url in quarantined["reason"]
        assert len(garbage.takes()) == 1  # one garbage answer was enough to stop sending it jobs
        assert engine(status, "api2")["state"] == "ok"
    finally:
        if app is not None:
            app.stop()
        garbage.kill()
        good.kill()


@pytest.mark.slow
def test_a_server_and_a_local_worker_share_one_pool_and_the_worker_takes_over(tmp_path, tiny_gsv, gsv_worker_env):
    server = start_planted_server(tmp_path, CLEAN, mode="slow", slow_seconds=0.4)
    app = None
    try:
        app = launch_app(tmp_path, *gsv_app_args(tiny_gsv), "--engine-url", server.url, "--workers", "1",
                         env_extra=gsv_worker_env)
        client = app.client()
        role, clip_ids = role_with_references(client, tmp_path, "池", "混合", voices=(("en+m3", REF_TEXT),))
        text_id = client.predict(TEXTS[0], "en", "", api_name="/add_text")["id"]
        task_id = start_task(client, role, clip_ids, [text_id], range(1, 13))
        names = [e["name"] for e in client.predict(role, task_id, api_name="/task_status")["engines"]]
        assert names == ["api1", "worker1"], names
        wait_for(lambda: len(server.takes()) >= 2, timeout=120, interval=0.05, what="two takes on the server")
        server.kill()
        status = finished_status(client, role, task_id, 12, timeout=600)
        assert (status["done"], status["failed"]) == (12, 0), status
        assert engine(status, "api1")["state"] == "down" and engine(status, "worker1")["state"] == "ok"
        assert len(server.takes()) < 12  # the local worker made the rest
    finally:
        if app is not None:
            app.stop()
        server.kill()
