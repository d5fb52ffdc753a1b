"""Drive /classify and /split_clip of the real app through gradio_client on espeak speech."""
from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from tests.fixtures import speech

pytestmark = pytest.mark.skipif(not speech.tools_available(), reason="needs espeak-ng and sox")
ROLE = "测试-声音"


@pytest.fixture(scope="module")
def client(running_app):
    return running_app.client()


@pytest.fixture(scope="module")
def voices(client, tmp_path_factory):
    """A role with 6 clips from each of 3 espeak voices; returns {clip id: voice}."""
    folder = tmp_path_factory.mktemp("voices")
    listing = folder / "voices.list"
    by_voice = speech.voice_clips()
    listing.write_text("".join(f"{p}|{voice}|en|sentence {i}\n" for voice, paths in by_voice.items()
                               for i, p in enumerate(paths)), encoding="utf-8")
    client.predict("测试", "声音", api_name="/create_role")
    assert client.predict(ROLE, str(listing), True, api_name="/import_list")["imported"] == 18
    return {c["id"]: c["speaker"] for c in client.predict(ROLE, api_name="/list_clips")["clips"]}


def assert_one_voice_per_group(groups, voices):
    assert len(groups) == 3
    assert sorted(len({voices[c] for c in g["clip_ids"]}) for g in groups) == [1, 1, 1]
    assert sorted(c for g in groups for c in g["clip_ids"]) == sorted(voices)


def test_classify_by_count_and_by_threshold(client, voices):
    by_count = client.predict(ROLE, 3, None, api_name="/classify")
    assert_one_voice_per_group(by_count["groups"], voices)
    assert {"group", "clip_ids"} <= set(by_count["groups"][0]) and "path" not in by_count["groups"][0]
    by_threshold = client.predict(ROLE, None, 0.15, api_name="/classify")
    assert_one_voice_per_group(by_threshold["groups"], voices)
    listed = client.predict(ROLE, api_name="/list_clips")["clips"]
    assert all(c["group"] in {"组1", "组2", "组3"} for c in listed)

    first = min(voices)
    ranked = client.predict(ROLE, first, 6, api_name="/similar_clips")["clips"]
    assert ranked[0]["id"] == first and {voices[r["id"]] for r in ranked} == {voices[first]}

    with pytest.raises(Exception, match="not both"):
        client.predict(ROLE, 3, 0.2, api_name="/classify")


def test_groups_can_be_renamed_and_clips_moved(client, voices):
    groups = client.predict(ROLE, 3, None, api_name="/classify")["groups"]
    client.predict(ROLE, groups[0]["id"], "平静", api_name="/rename_group")
    moved = groups[1]["clip_ids"][0]
    assert client.predict(ROLE, [moved], groups[0]["id"], api_name="/move_clips") == {"moved": 1}
    listed = {g["group"]: g for g in client.predict(ROLE, api_name="/list_groups")["groups"]}
    assert moved in listed["平静"]["clip_ids"]
    again = client.predict(ROLE, 3, None, api_name="/classify")["groups"]
    assert "平静" in {g["group"] for g in again}  # a user's name survives re-clustering


def test_split_clip_cuts_inside_the_pauses(client, running_app, tmp_path):
    path, pauses = speech.paused_clip(0.7)
    single = speech.single_utterance()
    listing = tmp_path / "long.list"
    text = " ".join(speech.PAUSE_SENTENCES)
    listing.write_text(f"{path}|spk|en|{text}\n{single}|spk|en|one sentence\n", encoding="utf-8")
    client.predict("测试", "切分", api_name="/create_role")
    client.predict("测试-切分", str(listing), True, api_name="/import_list")
    before = {c["text"]: c["id"] for c in client.predict("测试-切分", api_name="/list_clips")["clips"]}

    result = client.predict("测试-切分", before[text], 300, False, api_name="/split_clip")
    pieces = result["clips"]
    assert len(pieces) == 3
    for piece, (a, b) in zip(pieces, pauses):
        assert a < piece["end"] < b
        assert set(piece) == {"id", "start", "end", "duration", "text"}
    assert " ".join(p["text"] for p in pieces) == text

    after = client.predict("测试-切分", api_name="/list_clips")["clips"]
    children = [c for c in after if c.get("parent_clip_id") == before[text]]
    assert sorted(c["id"] for c in children) == sorted(p["id"] for p in pieces)
    assert all(c["valid"] == (3 <= c["duration"] <= 10) and not c["missing"] for c in children)

    one = client.predict("测试-切分", before["one sentence"], 300, False, api_name="/split_clip")["clips"]
    assert len(one) == 1

    # English is transcribed by the bundled model without flags; splitting the same clip twice is refused by name
    with pytest.raises(Exception, match="is already a clip"):
        client.predict("测试-切分", before[text], 300, True, api_name="/split_clip")


def test_silent_or_corrupt_clip_is_a_clear_error(client, running_app, tmp_path):
    silent = tmp_path / "silent.wav"
    sf.write(str(silent), np.zeros(16000 * 4, dtype=np.int16), 16000)
    listing = tmp_path / "bad.list"
    listing.write_text(f"{silent}|spk|en|nothing\n", encoding="utf-8")
    client.predict("测试", "坏", api_name="/create_role")
    client.predict("测试-坏", str(listing), True, api_name="/import_list")
    clip = client.predict("测试-坏", api_name="/list_clips")["clips"][0]
    with pytest.raises(Exception, match="silent"):
        client.predict("测试-坏", clip["id"], 300, False, api_name="/split_clip")
    with open(clip["audio"], "wb") as corrupt:
        corrupt.write(b"RIFF this is not audio")
    with pytest.raises(Exception, match="cannot read"):
        client.predict("测试-坏", clip["id"], 300, False, api_name="/split_clip")
    with pytest.raises(Exception, match="not found"):
        client.predict("测试-坏", 9999, 300, False, api_name="/split_clip")
