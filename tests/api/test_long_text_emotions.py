"""A long text with emotion tags through gradio_client, on the planted engine: every sentence (every take,
re-rolls included) is asked for with its emotion's reference, read from the engine's own take log; a tag
the product lacks, or tags without a product, stop the call before the engine hears anything."""
from __future__ import annotations

import dataclasses

import pytest

from tests.fixtures import speech
from tests.fixtures.app import configuration_result, wait_for
from tests.fixtures.emotion_role import TAGGED_TEXT, build_emotion_role
from tests.fixtures.planted import launch_planted_app, start_planted_server
from tests.fixtures.planted_engine import Profile

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not speech.tools_available(), reason="needs espeak-ng and sox")]

EXPECTED = ["neutral", "neutral", "happy", "happy", "sad", "sad", "neutral", "happy", "happy", "sad", "sad",
            "neutral"]
MAX_TRIES = 3
FAIL_RATE = 0.4  # takes fail often enough that the autopilot re-rolls: re-rolls must keep their emotion


def test_a_tagged_long_text_speaks_every_sentence_with_its_emotions_reference(tmp_path):
    emotion_role = build_emotion_role(tmp_path / "emo", kinds={e: ("good",) for e in ("neutral", "happy", "sad")},
                                      role="长文")
    profiles = {sha: dataclasses.replace(p, fail_rate=FAIL_RATE) for sha, p in emotion_role.profiles.items()}
    server = start_planted_server(tmp_path, {**profiles, "default": Profile()})
    app = launch_planted_app(tmp_path, [server])
    try:
        client = app.client()
        role = client.predict("情感", "长文", api_name="/create_role")["role"]
        assert client.predict(role, str(emotion_role.lists["tag_zh"]), True, api_name="/import_list")["imported"] == 3
        clip_of = {c["emotion"]: c["id"] for c in client.predict(role, api_name="/list_clips")["clips"]}
        result = configuration_result(client, role, clip_of["neutral"])
        product_id = client.predict(role, result["id"], "emo-voice", api_name="/create_product")["product_id"]
        client.predict(role, product_id, "开心", clip_of["happy"], api_name="/set_product_emotion")
        client.predict(role, product_id, "sad", clip_of["sad"], api_name="/set_product_emotion")
        product = next(p for p in client.predict(role, api_name="/list_products")["products"]
                       if p["product_id"] == product_id)
        reference_of = {"neutral": result["params"]["ref_audio_path"],
                        **{e: product["emotions"][e]["ref_audio"] for e in ("happy", "sad")}}

        heard = len(server.takes())
        with pytest.raises(Exception, match="no emotion '生气'.*neutral, happy, sad"):
            client.predict(role, [result["id"]], "Fine. [生气]How dare you.", {"product_id": product_id},
                           api_name="/long_text")
        with pytest.raises(Exception, match="choose a product"):
            client.predict(role, [result["id"]], TAGGED_TEXT, {}, api_name="/long_text")
        assert len(server.takes()) == heard

        started = client.predict(role, [result["id"]], TAGGED_TEXT, {"product_id": product_id,
                                                                     "max_tries": MAX_TRIES}, api_name="/long_text")
        assert started["emotions"] == EXPECTED and len(started["sentences"]) == 12
        status = wait_for(lambda: (s := client.predict(role, started["run_id"], api_name="/long_text_status"))
                          ["settled"] and s, timeout=900, interval=1, what="the tagged long text")
        rows = status["parts"][0]["sentences"]
        assert [r["emotion"] for r in rows] == EXPECTED
        emotion_of = {r["text"]: r["emotion"] for r in rows}
        takes = [t for t in server.takes()[heard:] if t["text"] in emotion_of]
        assert len(takes) == sum(len(r["tries"]) for r in rows) >= 12
        right_takes = [t for t in takes if t["ref_audio_path"] == reference_of[emotion_of[t["text"]]]]
        right_sentences = [text for text in emotion_of
                           if all(t["ref_audio_path"] == reference_of[emotion_of[text]]
                                  for t in takes if t["text"] == text)]
        print(f"\ntagged 12-sentence long text: {len(right_sentences)}/{len(emotion_of)} sentences "
              f"({100 * len(right_sentences) / len(emotion_of):.0f} %) and {len(right_takes)}/{len(takes)} takes "
              f"(re-rolls included) synthesized with their emotion's reference, read from the engine's log")
        assert len(right_sentences) == 12 and len(right_takes) == len(takes)
        # the planted engine speaks with the main reference's emotion: each take sounds as tagged
        assert all(t["emotion"] == emotion_of[t["text"]] for t in takes)
        assert all(p["joined_audio"] for p in status["parts"])
    finally:
        app.stop()
        server.kill()
