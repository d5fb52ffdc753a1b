"""Three people on one role at once, while a task runs: every write lands, nobody sees "database is locked"."""
from __future__ import annotations

import threading

import pytest

from tests.fixtures.app import predict_in_turn, role_with_references, wait_for
from tests.fixtures.gsv import REF_TEXT
from tests.fixtures.planted import launch_planted_app, start_planted_server
from tests.fixtures.planted_engine import Profile

USERS = 3
# per user: 80 scores with notes, 40 clip edits, 40 tasks, 40 products = 200 writes
SCORES, CLIP_EDITS, TASKS, PRODUCTS = 80, 40, 40, 40
VOICES = (("en+m3", REF_TEXT), ("en+f2", "A quiet evening by the sea is all I want."),
          ("en+m1", "The train leaves the station at seven every morning."))


def one_job_spec(models: dict, clip_id: int, text_id: int, seed: int) -> dict:
    return {"clip_ids": [clip_id], "text_ids": [text_id], "vary": {"seed": [seed]},
            "base": {"gpt": models["gpt"][0]["name"], "sovits": models["sovits"][0]["name"]}}


@pytest.mark.slow
@pytest.mark.timeout(2400)  # 600 writes through gradio_client take minutes on a busy machine
def test_three_users_writing_while_a_task_runs(tmp_path):
    server = start_planted_server(tmp_path, {"default": Profile()})
    app = None
    try:
        app = launch_planted_app(tmp_path, [server])
        client = app.client()
        role, clip_ids = role_with_references(client, tmp_path, "并发", "三人", voices=VOICES)
        text_id = client.predict("Good morning, the coffee is ready.", "en", "", api_name="/add_text")["id"]
        models = client.predict(api_name="/list_models")
        first = client.predict(role, {**one_job_spec(models, clip_ids[0], text_id, 1),
                                      "vary": {"seed": list(range(1, 1 + USERS * 4))}}, api_name="/create_task")
        client.predict(role, first["task_id"], api_name="/run_task")
        wait_for(lambda: client.predict(role, first["task_id"], api_name="/task_status")["done"] == USERS * 4,
                 timeout=180, what="results to score")
        result_ids = [r["id"] for r in client.predict(role, first["task_id"], "id", 1, 50,
                                                      api_name="/list_results")["results"]]
        busy = client.predict(role, {**one_job_spec(models, clip_ids[0], text_id, 1),
                                     "vary": {"seed": list(range(100, 5100))}}, api_name="/create_task")
        client.predict(role, busy["task_id"], api_name="/run_task")  # keeps the queue writing meanwhile

        errors: list[str] = []
        made_tasks: list[int] = []
        lock = threading.Lock()

        def user(n: int) -> None:
            me = app.client()
            mine = result_ids[n * 4:(n + 1) * 4]
            try:
                for i in range(SCORES):
                    predict_in_turn(me, role, mine[i % 4], (i % 5) + 1, f"user{n} note {i}",
                                    api_name="/score_result")
                for i in range(CLIP_EDITS):
                    predict_in_turn(me, role, clip_ids[n], f"{VOICES[n][1]} ({i})", None, None,
                                    api_name="/update_clip")
                for i in range(TASKS):
                    task = predict_in_turn(me, role, one_job_spec(models, clip_ids[n], text_id, 1000 * n + i),
                                           api_name="/create_task")
                    with lock:
                        made_tasks.append(task["task_id"])
                for i in range(PRODUCTS):
                    predict_in_turn(me, role, mine[i % 4], f"user{n}-product{i}", f"by user {n}",
                                    api_name="/create_product")
            except Exception as exc:  # noqa: BLE001 - the test reports what reached the user
                with lock:
                    errors.append(f"user {n}: {type(exc).__name__}: {exc}")

        threads = [threading.Thread(target=user, args=(n,)) for n in range(USERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=1200)
        assert not errors, errors
        meanwhile = client.predict(role, busy["task_id"], api_name="/task_status")
        assert meanwhile["done"] > 0 and meanwhile["state"] == "running"  # the queue wrote all along
        client.predict(role, busy["task_id"], api_name="/cancel_task")

        results = {r["id"]: r for r in client.predict(role, first["task_id"], "id", 1, 50,
                                                      api_name="/list_results")["results"]}
        for n in range(USERS):
            for k, result_id in enumerate(result_ids[n * 4:(n + 1) * 4]):
                last = max(i for i in range(SCORES) if i % 4 == k)  # this user's last write to the result
                assert results[result_id]["score"] == (last % 5) + 1
                assert results[result_id]["note"] == f"user{n} note {last}"
        clips = {c["id"]: c for c in client.predict(role, api_name="/list_clips")["clips"]}
        for n in range(USERS):
            assert clips[clip_ids[n]]["text"] == f"{VOICES[n][1]} ({CLIP_EDITS - 1})"
        assert len(set(made_tasks)) == USERS * TASKS
        for task_id in made_tasks:
            assert client.predict(role, task_id, api_name="/task_status")["total"] == 1
        names = {p["name"] for p in client.predict(role, api_name="/list_products")["products"]}
        assert names >= {f"user{n}-product{i}" for n in range(USERS) for i in range(PRODUCTS)}
    finally:
        if app is not None:
            app.stop()
        server.kill()
