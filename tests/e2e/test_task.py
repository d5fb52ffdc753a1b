"""The core loop on real (tiny) GPT-SoVITS through the API: import -> task -> run -> results -> score."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.app import role_with_references, wait_for

pytestmark = [pytest.mark.gsv, pytest.mark.slow]
TEXT = "Hello world, this is a tiny test."


@pytest.fixture(scope="module")
def prepared(gsv_app, tmp_path_factory):
    """A role with two espeak reference clips and an English test text."""
    client = gsv_app.client()
    role, clip_ids = role_with_references(client, tmp_path_factory.mktemp("refs"), "测试", "端到端")
    text_id = client.predict(TEXT, "en", "short", api_name="/add_text")["id"]
    models = client.predict(api_name="/list_models")
    return client, role, clip_ids, text_id, models


def run_to_end(client, role, task_id, timeout=300):
    assert client.predict(role, task_id, api_name="/run_task")["status"] == "running"
    return wait_for(lambda: (s := client.predict(role, task_id, api_name="/task_status"))["queued"] == 0
                    and s["running"] == 0 and s, timeout=timeout, interval=1, what=f"task {task_id}")


def test_top_k_comparison_runs_and_is_scored(prepared):
    client, role, clip_ids, text_id, models = prepared
    assert {m["name"] for m in models["gpt"]} >= {"tiny_a.ckpt", "tiny_b.ckpt"} or len(models["gpt"]) >= 2
    assert all(m["version"] == "v2" for m in models["sovits"])
    spec = {"name": "top_k", "clip_ids": clip_ids, "text_ids": [text_id], "combine": "each",
            "base": {"gpt": models["gpt"][0]["name"], "sovits": models["sovits"][0]["name"], "seed": 7},
            "vary": {"top_k": [5, 15]}}
    created = client.predict(role, spec, api_name="/create_task")
    assert created["jobs"] == 4
    status = run_to_end(client, role, created["task_id"])
    assert (status["done"], status["failed"], status["total"]) == (4, 0, 4)

    page = wait_for(lambda: (p := client.predict(role, created["task_id"], "duration", 1, 50,
                                                 api_name="/list_results"))
                    and all(r["spectrogram"] for r in p["results"]) and p, timeout=120, what="spectrograms")
    results = page["results"]
    assert page["total"] == 4
    durations = [r["duration"] for r in results]
    assert durations == sorted(durations) and min(durations) > 0.2
    assert sorted(r["params"]["top_k"] for r in results) == [5, 5, 15, 15]
    assert all(Path(r["audio"]).is_file() and Path(r["spectrogram"]).is_file() for r in results)
    assert all(r["params"]["gpt_weights"].endswith(".ckpt") for r in results)

    best = results[-1]["id"]
    scored = client.predict(role, best, 5, "clean", api_name="/score_result")["result"]
    assert (scored["score"], scored["note"]) == (5, "clean")
    by_score = client.predict(role, created["task_id"], "score", 1, 50, api_name="/list_results")["results"]
    assert by_score[0]["id"] == best
    clip = next(c for c in client.predict(role, api_name="/list_clips")["clips"] if c["id"] == scored["clip_id"])
    assert clip["mean_score"] == 5


def test_every_varied_parameter_reaches_the_engine(prepared):
    """Every varied parameter, not only top_k: each value must be what the engine got."""
    client, role, clip_ids, text_id, models = prepared
    vary = {"top_p": [0.6], "temperature": [0.7], "speed": [1.2], "text_split_method": ["cut0"],
            "repetition_penalty": [1.1]}
    spec = {"name": "sent", "clip_ids": clip_ids[:1], "text_ids": [text_id], "combine": "each",
            "base": {"gpt": models["gpt"][1]["name"], "sovits": models["sovits"][1]["name"], "seed": 3}, "vary": vary}
    created = client.predict(role, spec, api_name="/create_task")
    assert created["jobs"] == 5
    status = run_to_end(client, role, created["task_id"])
    assert status["done"] == 5, status
    results = client.predict(role, created["task_id"], "id", 1, 50, api_name="/list_results")["results"]
    field = {"top_p": "top_p", "temperature": "temperature", "speed": "speed_factor",
             "text_split_method": "text_split_method", "repetition_penalty": "repetition_penalty"}
    for result in results:
        name = result["label"].split("=")[0]
        sent = result["params"]
        assert sent[field[name]] == vary[name][0], (name, sent)
        for other in set(field) - {name}:  # the rest stay at the base/GPT-SoVITS defaults
            assert sent[field[other]] != vary[other][0], (other, sent)


def test_unset_weights_take_gpt_sovits_defaults(prepared):
    """No gpt/sovits in the spec: the weights GPT-SoVITS's tts_infer.yaml names are used and recorded."""
    client, role, clip_ids, text_id, _models = prepared
    created = client.predict(role, {"clip_ids": clip_ids[:1], "text_ids": [text_id]}, api_name="/create_task")
    assert run_to_end(client, role, created["task_id"])["done"] == 1
    sent = client.predict(role, created["task_id"], "id", 1, 50, api_name="/list_results")["results"][0]["params"]
    assert sent["gpt_weights"].endswith("tiny_a.ckpt") and sent["sovits_weights"].endswith("tiny_a.pth")
