"""The autopilot end to end: the real app on a planted engine (half the takes fail), gradio_client.

The planted server records every take's seed and planted failure: the ground truth the
choices are checked against.
"""
from __future__ import annotations

import time

import pytest
import soundfile

from tests.fixtures.app import role_with_references, wait_for
from tests.fixtures.gsv import REF_TEXT
from tests.fixtures.planted import CLEAR_LONG_TEXT, launch_planted_app, start_planted_server
from tests.fixtures.planted_engine import Profile

pytestmark = pytest.mark.slow

MAX_TRIES = 4
TTS_TEXT = "The garden behind the old house was full of yellow flowers."


def settled(client, role, run_id):
    status = client.predict(role, run_id, api_name="/long_text_status")
    return status if status["settled"] else None


def tries_of(status) -> list:
    return [[(t["result_id"], t["status"], t["auto_score"], t["chosen"]) for t in s["tries"]]
            for p in status["parts"] for s in p["sentences"]]


def watch_until_settled(client, server, role, run_id, *, quiet_seconds=8.0, timeout=900.0) -> list[dict]:
    """Every status read (about three a second) until `quiet_seconds` after the first settled one, each
    with the number of takes the engine had made by then."""
    seen, first_settled = [], None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.predict(role, run_id, api_name="/long_text_status")
        status["engine_takes"] = len(server.takes())
        seen.append(status)
        if status["settled"] and first_settled is None:
            first_settled = time.monotonic()
        if first_settled is not None and time.monotonic() - first_settled >= quiet_seconds:
            return seen
        time.sleep(0.3)
    raise TimeoutError(f"long-text run {run_id} did not settle within {timeout:.0f} s")


def assert_settled_only_at_the_end(seen: list[dict]) -> dict:
    """Settled turns true once and stays true; by then every take is made and measured, every part
    joined, and nothing is added afterwards. Returns the settled status."""
    first = next(i for i, status in enumerate(seen) if status["settled"])
    final = seen[first]
    for status in seen[first:]:
        assert status["settled"], "settled went back to false"
        assert (status["total"], status["engine_takes"], tries_of(status)) == (
            final["total"], final["engine_takes"], tries_of(final)), "work was added after settled"
    assert final["queued"] == final["running"] == 0 and all(p["joined_audio"] for p in final["parts"])
    tries = [t for p in final["parts"] for s in p["sentences"] for t in s["tries"]]
    assert all(t["status"] != "done" or t["auto_score"] is not None or t["analysis_error"] for t in tries)
    for status in seen[:first]:  # before: something was still to come, each time
        assert tries_of(status) != tries_of(final) or status["queued"] or status["running"] or not all(
            p["joined_audio"] for p in status["parts"]), "a settled run was reported unsettled"
    return final


def test_autopilot_rerolls_bad_takes_and_marks_what_needs_listening(tmp_path):
    server = start_planted_server(tmp_path, {"default": Profile(fail_rate=0.5)})
    app = launch_planted_app(tmp_path, [server])
    try:
        client = app.client()
        role, clip_ids = role_with_references(client, tmp_path, "自动", "重试", voices=(("en+m3", REF_TEXT),))
        models = client.predict(api_name="/list_models")
        text_id = client.predict("A short line to pick a configuration.", "en", "", api_name="/add_text")["id"]
        spec = {"clip_ids": clip_ids, "text_ids": [text_id], "combine": "each",
                "base": {"gpt": models["gpt"][0]["name"], "sovits": models["sovits"][0]["name"], "seed": 3,
                         "text_split_method": "cut5"}}
        task_id = client.predict(role, spec, api_name="/create_task")["task_id"]
        client.predict(role, task_id, api_name="/run_task")
        wait_for(lambda: client.predict(role, task_id, api_name="/task_status")["done"] == 1, timeout=120,
                 what="the configuration's take")
        result_id = client.predict(role, task_id, "id", 1, 50, api_name="/list_results")["results"][0]["id"]

        started = client.predict(role, [result_id], CLEAR_LONG_TEXT, {"max_tries": MAX_TRIES}, api_name="/long_text")
        assert len(started["sentences"]) == 6 and started["max_tries"] == MAX_TRIES
        seen = watch_until_settled(client, server, role, started["run_id"])
        status = assert_settled_only_at_the_end(seen)
        idle_unsettled = sum(not s["settled"] and not s["queued"] and not s["running"] for s in seen)
        print(f"\n{len(seen)} status reads; {idle_unsettled} unsettled with nothing queued or running "
              f"(analysis or a re-roll still to come)")
        truth = {(t["text"], t["seed"]): t["planted"] for t in server.takes()}
        sentences = status["parts"][0]["sentences"]
        clean_chosen = 0
        for sentence in sentences:
            kinds = [truth[(sentence["text"], t["seed"])] for t in sentence["tries"]]
            chosen = [k for k, t in zip(kinds, sentence["tries"]) if t["chosen"]]
            assert 1 <= len(sentence["tries"]) <= MAX_TRIES and len(chosen) == 1, (sentence["tries"], kinds)
            if None in kinds:
                assert chosen == [None], (sentence["text"], kinds, sentence["tries"])
                assert not sentence["needs_listening"], (sentence["text"], kinds, sentence["tries"])
                clean_chosen += 1
            else:
                assert sentence["needs_listening"] and len(kinds) == MAX_TRIES, (kinds, sentence["tries"])
        assert status["needs_listening"] == len(sentences) - clean_chosen
        print("\nkinds per sentence:", [[truth[(s["text"], t["seed"])] for t in s["tries"]] for s in sentences])

        # the person's pick is kept and the joined audio follows it
        sentence = max(sentences, key=lambda s: len(s["tries"]))
        other = next((t for t in sentence["tries"] if not t["chosen"] and t["status"] == "done"), None)
        if other is not None:
            part = status["parts"][0]
            picked = client.predict(role, started["run_id"], part["part_id"], sentence["index"], other["result_id"],
                                    api_name="/choose_take")["sentence"]
            assert picked["chosen_result_id"] == other["result_id"] and not picked["needs_listening"]

        # /tts re-rolls until a take passes: the returned take is a clean one when one was made
        client.predict(role, result_id, "tts-autopilot", api_name="/create_product")
        before = len(server.takes())
        wav = client.predict("tts-autopilot", TTS_TEXT, "en", MAX_TRIES, api_name="/tts")
        made = server.takes()[before:]
        assert 1 <= len(made) <= MAX_TRIES
        info = soundfile.info(wav)
        returned = [t for t in made if abs(t["out_seconds"] - info.frames / info.samplerate) < 0.002]
        assert len(returned) == 1, (made, info.duration)
        if any(t["planted"] is None for t in made):
            assert returned[0]["planted"] is None, made
    finally:
        app.stop()
        server.kill()
