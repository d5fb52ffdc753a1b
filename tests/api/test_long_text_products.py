"""The seed workflow through the API on the tiny real GPT-SoVITS:
role -> import -> task -> run -> score -> long text -> regenerate a sentence -> product -> export -> /tts."""
from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
import soundfile

from tests.fixtures.app import role_with_references, wait_for

pytestmark = [pytest.mark.gsv, pytest.mark.slow]
LONG_TEXT = ("The morning was quiet and cold. A small boat waited at the pier. "
             "Nobody spoke while the sun came up. Then the engine started and we left.")


def digest(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def scored_task(gsv_app, tmp_path_factory):
    client = gsv_app.client()
    role, clip_ids = role_with_references(client, tmp_path_factory.mktemp("lt_refs"), "长文本", "接口")
    text_id = client.predict("Hello world, this is a tiny test.", "en", "short", api_name="/add_text")["id"]
    models = client.predict(api_name="/list_models")
    spec = {"name": "top_k", "clip_ids": clip_ids, "text_ids": [text_id], "vary": {"top_k": [5, 15]},
            "base": {"gpt": models["gpt"][0]["file"], "sovits": models["sovits"][0]["file"], "seed": 7,
                     "text_split_method": "cut4"}}
    task_id = client.predict(role, spec, api_name="/create_task")["task_id"]
    client.predict(role, task_id, api_name="/run_task")
    wait_for(lambda: (s := client.predict(role, task_id, api_name="/task_status"))["done"] == 4
                     and s["state"] == "idle",
             timeout=300, interval=1, what="the comparison task")
    found = client.predict(role, task_id, "id", 1, 50, api_name="/list_results")["results"]
    best = [found[0]["id"], found[3]["id"]]  # two configurations: different clip and top_k
    for score, result_id in zip((5, 4), best):
        client.predict(role, result_id, score, "", api_name="/score_result")
    return client, role, task_id, {r["id"]: r for r in found}, best


def finished_run(client, role, run_id, changed_from=None, timeout=300):
    def ready():
        status = client.predict(role, run_id, api_name="/long_text_status")
        if status["done"] != status["total"] or status["queued"] or status["running"]:
            return None
        joined = [p["joined_audio"] for p in status["parts"]]
        if not all(joined):
            return None
        if changed_from and any(digest(a) == changed_from[i] for i, a in enumerate(joined)):
            return None
        return status
    return wait_for(ready, timeout=timeout, interval=1, what=f"long-text run {run_id}")


def test_long_text_regenerate_product_export_and_tts(scored_task, tmp_path):
    client, role, task_id, results, best = scored_task
    started = client.predict(role, best, LONG_TEXT, api_name="/long_text")
    assert started["sentences"] == ["The morning was quiet and cold.", "A small boat waited at the pier.",
                                    "Nobody spoke while the sun came up.", "Then the engine started and we left."]
    status = finished_run(client, role, started["run_id"])
    assert status["total"] == 8 and len(status["parts"]) == 2
    for part, result_id in zip(status["parts"], best):
        assert part["result_id"] == result_id and len(part["sentences"]) == 4
        info = soundfile.info(part["joined_audio"])
        assert info.duration > sum(s["duration"] for s in part["sentences"])  # the gaps between sentences
        assert Path(part["spectrogram"]).is_file()
    before = {p["part_id"]: p["sentences"] for p in status["parts"]}
    joined_before = [digest(p["joined_audio"]) for p in status["parts"]]

    regenerated = client.predict(role, started["run_id"], 2, api_name="/regenerate_sentence")["sentence"]
    assert regenerated["index"] == 2 and regenerated["text"] == "Nobody spoke while the sun came up."
    after = finished_run(client, role, started["run_id"], changed_from=joined_before)
    for part in after["parts"]:
        for old, new in zip(before[part["part_id"]], part["sentences"]):
            if old["index"] == 2:
                assert new["finished_at"] != old["finished_at"] and new["seed"] is not None
            else:  # only the chosen sentence's job ran again
                assert (new["attempts"], new["finished_at"]) == (old["attempts"], old["finished_at"])

    scored = client.predict(role, after["parts"][0]["part_id"], 5, "", api_name="/score_long_text")
    assert scored["clip_long_text_score"] == 5
    exported = client.predict(role, after["parts"][0]["part_id"], api_name="/export_long_text")["zip"]
    with zipfile.ZipFile(exported) as archive:
        assert len(json.loads(archive.read("sentences.json"))["sentences"]) == 4

    product_id = client.predict(role, best[0], "lt-hero", api_name="/create_product")["product_id"]
    listed = client.predict("", api_name="/list_products")["products"]
    assert [p["product_id"] for p in listed if p["name"] == "lt-hero"] == [product_id]
    zip_path = client.predict(role, product_id, api_name="/export_product")["zip"]
    with zipfile.ZipFile(zip_path) as archive:
        names = set(archive.namelist())
        settings = json.loads(archive.read("settings.json"))
        body = json.loads(archive.read("api_v2_request.json"))
    assert {"ref.wav", "settings.json", "api_v2_request.json", "curl.txt", "gsvi/lt-hero/infer_config.json"} <= names
    sent = results[best[0]]["params"]
    for field, value in sent.items():
        if field not in ("text", "text_lang", "ref_audio_path", "aux_ref_audio_paths"):
            assert settings["synthesis_request"][field] == value, field
    assert body["top_k"] == sent["top_k"] and body["seed"] == 7 and Path(body["ref_audio_path"]).is_file()

    audio = client.predict("lt-hero", "Hello from the product.", "en", api_name="/tts")
    assert isinstance(audio, str) and Path(audio).is_file()  # gradio_client downloaded the wav
    assert soundfile.info(audio).duration > 0.2
