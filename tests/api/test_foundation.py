"""Drive the real app through gradio_client: roles, .list import, clips, texts."""
from __future__ import annotations

import pytest
from gradio_client import handle_file

from tests.fixtures.app import write_tone


@pytest.fixture(scope="module")
def client(running_app):
    return running_app.client()


def test_role_import_edit_delete_roundtrip(client, running_app, tmp_path):
    assert client.predict("男性", "张三", api_name="/create_role") == {"role": "男性-张三"}
    with pytest.raises(Exception, match="contains"):
        client.predict("男性", "a|b", api_name="/create_role")

    for i in range(3):
        write_tone(tmp_path / f"c{i}.wav", 3.5 + i, seed=i)
    write_tone(tmp_path / "tiny.wav", 1.0, seed=9)
    (tmp_path / "bad.wav").write_bytes(b"not audio at all")
    lines = ("c0.wav|spk|ZH|第一句\nc1.wav|spk|en|second\n\nc2.wav|spk|ja|三つ目\ntiny.wav|spk|zh|短\n"
             "bad.wav|spk|zh|坏\nnothere.wav|spk|zh|无\nc0.wav|spk|zh\nc1.wav|spk|fr|x\n")
    # An uploaded list travels alone, so its audio paths are absolute (as GPT-SoVITS writes them).
    uploaded = tmp_path / "upload" / "mix.list"
    uploaded.parent.mkdir()
    uploaded.write_text("\n".join(f"{tmp_path}/{line}" if line else "" for line in lines.split("\n")),
                        encoding="utf-8")
    listing = tmp_path / "mix.list"  # a server path: relative audio paths resolve beside it
    listing.write_text(lines, encoding="utf-8")

    report = client.predict("男性-张三", handle_file(str(uploaded)), True, api_name="/import_list")
    assert report["imported"] == 4 and report["duplicates"] == 0
    assert [e["line"] for e in report["errors"]] == [6, 7, 8, 9]

    again = client.predict("男性-张三", str(listing), api_name="/import_list")  # a server path works too
    assert (again["imported"], again["duplicates"]) == (0, 4)

    listed = client.predict("男性-张三", api_name="/list_clips")["clips"]
    assert len(listed) == 4
    assert {c["text"]: c["valid"] for c in listed} == {"第一句": True, "second": True, "三つ目": True, "短": False}
    assert set(listed[0]) >= {"id", "audio", "speaker", "lang", "text", "duration", "valid", "group"}
    assert "path" not in listed[0]

    clip_id = next(c["id"] for c in listed if c["text"] == "second")
    edited = client.predict("男性-张三", clip_id, "second, calibrated", "EN", None, api_name="/update_clip")["clip"]
    assert (edited["text"], edited["lang"], edited["valid"]) == ("second, calibrated", "en", True)
    assert client.predict("男性-张三", clip_id, None, None, False, api_name="/update_clip")["clip"]["valid"] is False

    # the app is shared by the API modules: other roles may be listed beside this one
    assert {"role": "男性-张三", "clips": 4} in client.predict(api_name="/list_roles")["roles"]
    assert client.predict("男性-张三", api_name="/delete_role") == {"deleted": "男性-张三"}
    assert "男性-张三" not in {r["role"] for r in client.predict(api_name="/list_roles")["roles"]}
    assert not (running_app.roles_dir / "男性-张三").exists()


def test_texts_are_shared_and_validated(client):
    texts = client.predict(api_name="/list_texts")["texts"]
    assert {t["lang"] for t in texts} >= {"zh", "en", "ja"}
    assert {t["category"] for t in texts} >= {"short", "long"}
    new_id = client.predict("A brand new test line.", "EN", "short", api_name="/add_text")["id"]
    assert any(t["id"] == new_id and t["lang"] == "en" for t in client.predict(api_name="/list_texts")["texts"])
    with pytest.raises(Exception, match="language"):
        client.predict("x", "martian", "", api_name="/add_text")


def test_role_traversal_is_refused_by_the_api(client, running_app):
    with pytest.raises(Exception, match="role name"):
        client.predict("../../etc", api_name="/delete_role")
    assert running_app.roles_dir.exists()


def test_only_the_roles_folder_is_served(running_app, tmp_path):
    import urllib.error
    import urllib.request

    outside = tmp_path / "secret.txt"
    outside.write_text("not for the browser")
    for path in (outside, running_app.roles_dir.parent / "ras.db"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{running_app.url}gradio_api/file={path}", timeout=10)
        assert refused.value.code in (403, 404)


def test_analyze_audio_scores_an_uploaded_file(client, tmp_path):
    from tests.fixtures.gsv import make_ref_wav

    speech = make_ref_wav(tmp_path / "speech.wav", "This take was made somewhere else and is checked here.")
    report = client.predict(handle_file(str(speech)), "This take was made somewhere else and is checked here.",
                            "en", "", None, api_name="/analyze_audio")
    assert 0 <= report["auto_score"] <= 100
    assert report["metrics"]["duration"] > 2 and "chars_per_second" in report["metrics"]
    assert "speaker_similarity" in report["missing"]  # no reference clip given: absent with a reason
    with pytest.raises(Exception, match="not found"):
        client.predict(str(tmp_path / "nope.wav"), "x", "en", "", None, api_name="/analyze_audio")
    with pytest.raises(Exception, match="unknown language code"):
        client.predict(str(speech), "x", "klingon", "", None, api_name="/analyze_audio")
