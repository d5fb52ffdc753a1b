"""Emotion tags through gradio_client: a tagged .list reports its tags, /list_clips carries them, a person
retags a clip, a named group tags its clips, /list_emotions counts them."""
from __future__ import annotations

import pytest

from ras.classify import groups
from ras.store.workspace import Workspace
from tests.fixtures import speech
from tests.fixtures.app import write_tone
from tests.fixtures.emotion_role import build_emotion_role
from tests.fixtures.products import make_result

pytestmark = pytest.mark.skipif(not speech.tools_available(), reason="needs espeak-ng and sox")
ROLE = "情感-接口"


@pytest.fixture(scope="module")
def client(running_app):
    return running_app.client()


def test_tags_from_names_a_person_and_a_group_reach_the_api(client, running_app, tmp_path):
    emotion_role = build_emotion_role(tmp_path / "emo", role="接口")
    client.predict("情感", "接口", api_name="/create_role")
    report = client.predict(ROLE, str(emotion_role.lists["folders"]), True, api_name="/import_list")
    assert report["imported"] == 30 and report["emotions"] == {"neutral": 10, "happy": 10, "sad": 10}
    listed = client.predict(ROLE, api_name="/list_clips")["clips"]
    assert all(c["emotion"] == emotion_role.truth[c["text"]][0] and c["emotion_source"] == "folder" for c in listed)

    sad_ids = [c["id"] for c in listed if c["emotion"] == "sad"]
    retagged = client.predict(ROLE, sad_ids[:2], "愤怒", api_name="/set_clip_emotion")["clips"]
    assert [(c["emotion"], c["emotion_source"]) for c in retagged] == [("angry", "person")] * 2
    with pytest.raises(Exception, match="not found"):
        client.predict(ROLE, [9999], "happy", api_name="/set_clip_emotion")
    # /update_clip edits one clip's tag the same way; "" clears it, and the text stays as it was
    edited = client.predict(ROLE, sad_ids[4], None, None, None, "开心", api_name="/update_clip")["clip"]
    assert (edited["emotion"], edited["emotion_source"], edited["text"]) == (
        "happy", "person", next(c["text"] for c in listed if c["id"] == sad_ids[4]))
    cleared = client.predict(ROLE, sad_ids[4], None, None, None, "", api_name="/update_clip")["clip"]
    assert cleared["emotion"] == ""
    client.predict(ROLE, sad_ids[4], None, None, None, "sad", api_name="/update_clip")

    ws = Workspace(running_app.roles_dir)  # the classify tab makes groups by hand; the API has no such call
    group = groups.create_group(ws=ws, role=ROLE, name="撒娇")
    ws.close()
    client.predict(ROLE, sad_ids[:4], group, api_name="/move_clips")
    tagged = client.predict(ROLE, group, api_name="/tag_group_emotion")
    assert tagged == {"group": "撒娇", "emotion": "撒娇", "tagged": 2, "kept": 2}
    job = client.predict(ROLE, api_name="/emotion_tagging")
    assert job == {"role": ROLE, "state": "idle", "done": 0, "total": 0, "tagged": 0, "missing": 0, "model": "",
                   "error": ""}
    counts = client.predict(ROLE, api_name="/list_emotions")["emotions"]
    assert counts == [{"emotion": "happy", "count": 10}, {"emotion": "neutral", "count": 10},
                      {"emotion": "sad", "count": 6}, {"emotion": "angry", "count": 2}, {"emotion": "撒娇", "count": 2}]


def test_one_finder_request_searches_every_emotion_with_enough_clips(client):
    """After the test above: neutral 10, happy 10, sad 6, angry 2, 撒娇 2 clips."""
    run_id = client.predict(ROLE, '{"per_emotion": true, "budget_jobs": 40}', api_name="/find_reference")["run_id"]
    status = client.predict(ROLE, run_id, api_name="/find_reference_status")
    assert set(status["shortlists"]) == set(status["emotion_runs"]) == {"neutral", "happy", "sad"}
    assert status["left_out"] == {"angry": 2, "撒娇": 2} and status["budget_jobs"] == 40
    assert status["settled"] is False
    sad = client.predict(ROLE, status["emotion_runs"]["sad"], api_name="/find_reference_status")
    assert len(sad["text_ids"]) == len(status["text_ids"]) and sad["budget_jobs"] == 40 * 6 // 26
    listed = client.predict(ROLE, api_name="/list_finder_runs")["runs"]
    assert [r["run_id"] for r in listed][0] == run_id and {r["emotion"] for r in listed[1:4]} == set(
        status["emotion_runs"])
    with pytest.raises(Exception, match="per_emotion"):
        client.predict(ROLE, run_id, api_name="/finder_compare_blind")
    client.predict(ROLE, run_id, api_name="/delete_finder_run")
    assert client.predict(ROLE, api_name="/list_finder_runs")["runs"] == []


def test_a_product_gets_emotions_and_tts_refuses_an_emotion_it_lacks(client, running_app, tmp_path):
    for i in range(2):
        write_tone(tmp_path / f"p{i}.wav", 4.0, seed=i)
    (tmp_path / "p.list").write_text("".join(f"{tmp_path / f'p{i}.wav'}|s|en|Line {i} said.\n" for i in range(2)),
                                     encoding="utf-8")
    client.predict("情感", "成品", api_name="/create_role")
    client.predict("情感-成品", str(tmp_path / "p.list"), True, api_name="/import_list")
    ws = Workspace(running_app.roles_dir)  # a finished result, as the queue leaves it
    result_id = make_result(ws, "情感-成品", tmp_path)
    ws.close()
    product_id = client.predict("情感-成品", result_id, "emo-voice", api_name="/create_product")["product_id"]
    product = client.predict("情感-成品", product_id, "难过", 2, "", "", api_name="/set_product_emotion")["product"]
    # the contract's shape: {emotion: {"clip_id", "ref_audio", "prompt_text", "prompt_lang"}}, and the
    # emotion the product's own reference speaks
    assert {name: (e["prompt_text"], e["clip_id"]) for name, e in product["emotions"].items()} == {
        "sad": ("Line 1 said.", 2)}
    assert product["default_emotion"] == "neutral"
    listed = client.predict("情感-成品", api_name="/list_products")["products"]
    assert list(listed[0]["emotions"]) == ["sad"]
    with pytest.raises(Exception, match=r"no emotion 'happy'; it has: neutral, sad"):
        client.predict("emo-voice", "Hello.", "en", 1, "happy", api_name="/tts")
    with pytest.raises(Exception, match=r"no emotion '生气'; it has: neutral, sad"):
        client.predict("emo-voice", "Hello. [生气]Go away.", "en", 1, "", api_name="/tts")
    removed = client.predict("情感-成品", product_id, "sad", api_name="/remove_product_emotion")["product"]
    assert removed["emotions"] == {}
