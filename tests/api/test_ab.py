"""Blind A/B through the API on takes from the tiny real GPT-SoVITS, answered by a simulated listener."""
from __future__ import annotations

from pathlib import Path

import pytest
from gradio_client.exceptions import AppError

from tests.fixtures.app import role_with_references, wait_for

pytestmark = [pytest.mark.gsv, pytest.mark.slow]
TEXTS = ("Good morning, the tiny model speaks.", "The boat left the harbour at noon.")


def finished_ab_task(client, folder: Path, name: str) -> tuple[str, int, dict[str, tuple[int, int]]]:
    """A task of 6 configurations (3 top_k x 2 references) x 2 texts, run to the end.

    Returns the role, the task id and each take's audio path -> (param_set_id, clip_id)."""
    role, clip_ids = role_with_references(client, folder, "盲听", name)
    text_ids = [client.predict(t, "en", "ab", api_name="/add_text")["id"] for t in TEXTS]
    models = client.predict(api_name="/list_models")
    spec = {"name": "top_k", "clip_ids": clip_ids, "text_ids": text_ids, "vary": {"top_k": [3, 10, 30]},
            "base": {"gpt": models["gpt"][0]["file"], "sovits": models["sovits"][0]["file"], "seed": 5}}
    task_id = client.predict(role, spec, api_name="/create_task")["task_id"]
    client.predict(role, task_id, api_name="/run_task")
    wait_for(lambda: (s := client.predict(role, task_id, api_name="/task_status"))["done"] == 12
             and s["state"] == "idle", timeout=400, interval=1, what="12 takes")
    found = client.predict(role, task_id, "id", 1, 50, api_name="/list_results")["results"]
    return role, task_id, {r["audio"]: (r["param_set_id"], r["clip_id"]) for r in found}


@pytest.fixture(scope="module")
def ab_task(gsv_app, tmp_path_factory):
    client = gsv_app.client()
    return (client, *finished_ab_task(client, tmp_path_factory.mktemp("ab_refs"), "接口"))


def test_a_simulated_listener_settles_the_best_of_six_blind(ab_task):
    client, role, task_id, config_of = ab_task
    started = client.predict(role, task_id, {}, api_name="/ab_start")
    session_id, candidates = started["session_id"], started["candidates"]
    assert len(candidates) == 6 and set(config_of.values()) == {(c["param_set_id"], c["clip_id"]) for c in candidates}
    # the listener's taste: the second reference clip with the middle top_k, then the rest in a fixed order
    configs = sorted(set(config_of.values()))
    favourite = sorted(configs, key=lambda c: (c[1], c[0]))[-2]
    taste = {config: (100 if config == favourite else i) for i, config in enumerate(configs)}
    heard_texts, votes = set(), 0
    for _ in range(40):
        pair = client.predict(role, session_id, api_name="/ab_next")
        assert set(pair) == {"pair_id", "a", "b", "text", "settled", "decided"}
        if pair["decided"]:
            break
        assert Path(pair["a"]).is_file() and Path(pair["b"]).is_file() and pair["a"] != pair["b"]
        a, b = config_of[pair["a"]], config_of[pair["b"]]
        assert a != b  # two candidates, never the same configuration against itself
        heard_texts.add(pair["text"])
        choice = "tie" if abs(taste[a] - taste[b]) == 1 and favourite not in (a, b) else (
            "a" if taste[a] > taste[b] else "b")
        votes = client.predict(role, session_id, pair["pair_id"], choice, api_name="/ab_vote")["votes"]
    assert pair["decided"] and votes <= 3 * 6
    assert heard_texts == set(TEXTS)  # takes rotate over the texts
    ranked = client.predict(role, session_id, api_name="/ab_ranking")
    assert ranked["decided"] and ranked["votes"] == votes
    best = ranked["ranking"][0]
    assert set(best) >= {"candidate", "label", "clip_id", "param_set_id", "strength", "low", "high", "votes"}
    assert (best["param_set_id"], best["clip_id"]) == favourite and ranked["best"] == best["candidate"]
    assert "top_k=10" in best["label"]
    strengths = [r["strength"] for r in ranked["ranking"]]
    assert strengths == sorted(strengths, reverse=True)
    assert sum(r["votes"] for r in ranked["ranking"]) == 2 * votes


def test_bad_input_names_the_problem(ab_task):
    client, role, task_id, _ = ab_task
    with pytest.raises(AppError, match="unknown A/B options"):
        client.predict(role, task_id, {"results": [1]}, api_name="/ab_start")
    session_id = client.predict(role, task_id, {"text_ids": []}, api_name="/ab_start")["session_id"]
    pair = client.predict(role, session_id, api_name="/ab_next")
    with pytest.raises(AppError, match="'left' is not one of"):
        client.predict(role, session_id, pair["pair_id"], "left", api_name="/ab_vote")
    with pytest.raises(AppError, match="A/B session 9999 not found"):
        client.predict(role, 9999, api_name="/ab_ranking")
    # the open pair is asked again until it is answered
    assert client.predict(role, session_id, api_name="/ab_next") == pair


def test_a_deciding_round_synthesizes_new_takes_of_candidates_too_close_to_call(gsv_app, tmp_path):
    client = gsv_app.client()
    role, task_id, config_of = finished_ab_task(client, tmp_path, "加赛")
    two = sorted(set(config_of.values()))[:2]
    result_ids = [next(r["id"] for r in client.predict(role, task_id, "id", 1, 50, api_name="/list_results")["results"]
                       if (r["param_set_id"], r["clip_id"]) == config) for config in two]
    session_id = client.predict(role, task_id, {"result_ids": result_ids}, api_name="/ab_start")["session_id"]
    with pytest.raises(AppError, match="no candidates too close to call"):
        client.predict(role, session_id, api_name="/ab_more_takes")
    heard = set()
    while (pair := client.predict(role, session_id, api_name="/ab_next"))["pair_id"] is not None:
        heard |= {pair["a"], pair["b"]}
        client.predict(role, session_id, pair["pair_id"], "tie", api_name="/ab_vote")
    ranked = client.predict(role, session_id, api_name="/ab_ranking")
    assert len(ranked["too_close"]) == 2 and not ranked["decided"]

    queued = client.predict(role, session_id, api_name="/ab_more_takes")
    assert queued["queued"] == 2 * len(TEXTS)
    wait_for(lambda: client.predict(role, task_id, api_name="/task_status")["done"] == 12 + queued["queued"],
             timeout=300, interval=1, what="the deciding takes")
    pair = client.predict(role, session_id, api_name="/ab_next")
    assert pair["pair_id"] is not None and not {pair["a"], pair["b"]} & heard  # new takes, not the old ones
    take_of = {r["audio"]: (r["param_set_id"], r["clip_id"], r["text"])
               for r in client.predict(role, task_id, "id", 1, 50, api_name="/list_results")["results"]}
    for side in ("a", "b"):  # the same configuration and text as a take heard before, with a new seed
        before = [p for p in heard if take_of[p] == take_of[pair[side]]]
        assert len(before) == 1 and Path(pair[side]).read_bytes() != Path(before[0]).read_bytes()
    assert client.predict(role, session_id, api_name="/ab_ranking")["takes_pending"] == 0
