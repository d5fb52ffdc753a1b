"""A voice's timbre set through gradio_client, on the planted engine: set the calm clips as the product's
timbre set, run the check, and read that takes of different emotions sound like one speaker with the set
and less so without it; the engine's own log shows which takes were given the set."""
from __future__ import annotations

import dataclasses

import pytest

from tests.fixtures import speech
from tests.fixtures.app import wait_for
from tests.fixtures.emotion_role import build_emotion_role
from tests.fixtures.planted import launch_planted_app, start_planted_server
from tests.fixtures.planted_engine import Profile

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not speech.tools_available(), reason="needs espeak-ng and sox")]
EMOTIONS = ("neutral", "happy", "sad")


def voice_with_emotions(tmp_path):
    """(planted server, app, client, role, product id, clip ids by emotion): a product made from a calm clip's
    take, with a happy and a sad reference, on a role of 3 emotions x 2 good clips; no timbre set yet."""
    emotion_role = build_emotion_role(tmp_path / "emo", EMOTIONS, kinds={e: ("good", "good") for e in EMOTIONS},
                                      role="音色")
    profiles = {sha: dataclasses.replace(p, fail_rate=0.0) for sha, p in emotion_role.profiles.items()}
    server = start_planted_server(tmp_path, {**profiles, "default": Profile()})
    app = launch_planted_app(tmp_path, [server])
    try:
        client = app.client()
        role = client.predict("情感", "音色", api_name="/create_role")["role"]
        assert client.predict(role, str(emotion_role.lists["tag_zh"]), True, api_name="/import_list")["imported"] == 6
        clips_of = {e: [] for e in EMOTIONS}
        for clip in client.predict(role, api_name="/list_clips")["clips"]:
            clips_of[clip["emotion"]].append(clip["id"])
        models = client.predict(api_name="/list_models")
        text_id = client.predict("A short line to pick a configuration.", "en", "", api_name="/add_text")["id"]
        spec = {"clip_ids": [clips_of["neutral"][0]], "text_ids": [text_id],
                "base": {"gpt": models["gpt"][0]["name"], "sovits": models["sovits"][0]["name"], "seed": 3}}
        task_id = client.predict(role, spec, api_name="/create_task")["task_id"]
        client.predict(role, task_id, api_name="/run_task")
        wait_for(lambda: client.predict(role, task_id, api_name="/task_status")["done"] == 1, timeout=120,
                 what="the configuration's take")
        result = client.predict(role, task_id, "id", 1, 50, api_name="/list_results")["results"][0]
        product_id = client.predict(role, result["id"], "one-timbre", api_name="/create_product")["product_id"]
        for emotion in ("happy", "sad"):
            client.predict(role, product_id, emotion, clips_of[emotion][0], api_name="/set_product_emotion")
    except BaseException:  # a failed setup leaves no app or server running
        app.stop()
        server.kill()
        raise
    return server, app, client, role, product_id, clips_of


def test_the_timbre_check_measures_the_set_through_the_api(tmp_path):
    server, app, client, role, product_id, clips_of = voice_with_emotions(tmp_path)
    try:
        product = client.predict(role, product_id, clips_of["neutral"], api_name="/set_timbre_set")["product"]
        assert product["aux_clip_ids"] == clips_of["neutral"] and len(product["aux_refs"]) == 2
        heard = len(server.takes())
        check_id = client.predict(role, product_id, api_name="/timbre_check")["task_id"]
        check = wait_for(lambda: (s := client.predict(role, check_id, api_name="/timbre_check_status"))["finished"]
                         and s, timeout=600, interval=1, what="the timbre check")
        without, with_set = check["without"], check["with_timbre_set"]
        print(f"\nspeaker similarity between emotions (API): without timbre set {without['similarity']}, "
              f"with it {with_set['similarity']}")
        takes = server.takes()[heard:]
        assert sorted(len(t["aux_sha256"]) for t in takes) == [0] * 6 + [2] * 6  # 3 references x 2 texts each
        assert {t["emotion"] for t in takes} == set(EMOTIONS)  # each emotion's own reference speaks
        assert check["references"] == 3 and without["done"] == with_set["done"] == 6
        assert without["pairs"] == with_set["pairs"] == 12
        assert with_set["similarity"] > without["similarity"] + 0.08
        with pytest.raises(Exception, match="clip 999"):
            client.predict(role, product_id, [999], api_name="/set_timbre_set")
    finally:
        app.stop()
        server.kill()
