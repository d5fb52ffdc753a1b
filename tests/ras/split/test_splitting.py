"""Splitting clips at pauses (espeak speech), writing pieces, and piece texts."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from ras.split import cut_points as splitting
from tests.fixtures import speech

needs_speech = pytest.mark.skipif(not speech.tools_available(), reason="needs espeak-ng and sox")


@pytest.fixture(scope="module")
def paused():
    return speech.paused_clip(0.7)


@needs_speech
@pytest.mark.parametrize("method", ["vad", "energy"])
def test_three_utterances_give_three_pieces_cut_inside_the_pauses(paused, method):
    path, pauses = paused
    pieces = splitting.propose_cuts(path, min_silence_ms=300, method=method)
    assert len(pieces) == 3
    for piece, (pause_start, pause_end) in zip(pieces, pauses):
        assert pause_start < piece["end"] < pause_end
    for left, right in zip(pieces, pieces[1:]):
        assert left["end"] == right["start"]
    assert all(2.0 < piece["voiced"] <= piece["end"] - piece["start"] for piece in pieces)


@needs_speech
def test_auto_method_uses_the_bundled_vad(paused):
    path, _ = paused
    assert splitting._vad_available()
    assert splitting.propose_cuts(path) == splitting.propose_cuts(path, method="vad")


@needs_speech
def test_pauses_shorter_than_the_minimum_are_not_cut(paused):
    path, _ = paused
    assert len(splitting.propose_cuts(path, min_silence_ms=1000)) == 1


@needs_speech
@pytest.mark.parametrize("method", ["vad", "energy"])
def test_clip_without_pause_is_one_piece(method):
    path = speech.single_utterance()
    pieces = splitting.propose_cuts(path, method=method)
    assert len(pieces) == 1
    assert pieces[0]["end"] <= sf.info(str(path)).duration + 1e-3


def test_silent_file_is_a_clear_error(tmp_path):
    silent = tmp_path / "quiet.wav"
    sf.write(str(silent), np.zeros(44100 * 3, dtype=np.int16), 44100)
    with pytest.raises(ValueError, match=r"quiet\.wav.*silent"):
        splitting.propose_cuts(silent)


def test_noise_floor_without_speech_is_a_clear_error(tmp_path):
    hum = tmp_path / "hum.wav"
    rng = np.random.default_rng(0)
    sf.write(str(hum), (rng.normal(size=16000 * 2) * 0.001).astype(np.float32), 16000)
    with pytest.raises(ValueError, match=r"no speech found in .*hum\.wav"):
        splitting.propose_cuts(hum, method="vad")


@pytest.mark.parametrize("content", [b"", b"RIFF\x24\x00\x00\x00WAVEjunkjunkjunk", b"\x00" * 100])
def test_corrupt_file_is_a_clear_error(tmp_path, content):
    broken = tmp_path / "broken.wav"
    broken.write_bytes(content)
    with pytest.raises(ValueError, match=r"cannot read audio file .*broken\.wav"):
        splitting.propose_cuts(broken)
    with pytest.raises(ValueError, match="broken.wav"):
        splitting.write_pieces(broken, [{"start": 0, "end": 1}], tmp_path / "out")


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="nope.wav"):
        splitting.propose_cuts(tmp_path / "nope.wav")


@needs_speech
def test_write_pieces_keeps_rate_and_length(paused, tmp_path):
    path, _ = paused
    pieces = splitting.propose_cuts(path)
    written = splitting.write_pieces(path, pieces, tmp_path / "pieces", stem="clip7")
    assert [p.name for p in written] == ["clip7_01.wav", "clip7_02.wav", "clip7_03.wav"]
    source = sf.info(str(path))
    for out, piece in zip(written, pieces):
        info = sf.info(str(out))
        assert info.samplerate == source.samplerate and info.subtype == source.subtype
        assert info.duration == pytest.approx(piece["end"] - piece["start"], abs=1e-3)  # ms-rounded cuts
    assert sorted(p.name for p in (tmp_path / "pieces").iterdir()) == [p.name for p in written]  # no temp files


def test_write_pieces_keeps_stereo_float_and_rejects_bad_pieces(tmp_path):
    source = tmp_path / "stereo.wav"
    sf.write(str(source), np.zeros((48000, 2), dtype=np.float32) + 0.1, 48000, subtype="FLOAT")
    [out] = splitting.write_pieces(source, [{"start": 0.25, "end": 0.75}], tmp_path)
    info = sf.info(str(out))
    assert (info.channels, info.samplerate, info.subtype, info.frames) == (2, 48000, "FLOAT", 24000)
    for bad in ({"start": 0.5, "end": 0.5}, {"start": -1, "end": 0.5}, {"start": 0, "end": 9}):
        with pytest.raises(ValueError, match="piece 1"):
            splitting.write_pieces(source, [bad], tmp_path)
    with pytest.raises(ValueError, match="no pieces"):
        splitting.write_pieces(source, [], tmp_path)


def test_energy_fallback_when_vad_is_missing(monkeypatch):
    monkeypatch.setattr(splitting, "_vad_available", lambda: False)
    rate = 16000
    tone = 0.3 * np.sin(2 * np.pi * 220 * np.arange(rate) / rate).astype(np.float32)
    samples = np.concatenate([tone, np.zeros(rate // 2, np.float32), tone])
    segments = splitting.detect_speech(samples, rate, min_silence_ms=300)
    assert len(segments) == 2
    assert segments[0][1] == pytest.approx(1.0, abs=0.03) and segments[1][0] == pytest.approx(1.5, abs=0.03)


# ------------------------------------------------------------------ transcripts

EN_TEXT = (
    "First we walk along the beach and look at the ships. Then we climb the green hill "
    "behind the little village. Finally we eat dinner together in the warm kitchen."
)


def test_english_transcript_splits_at_sentence_ends():
    texts = splitting.split_transcript(EN_TEXT, [3.0, 3.1, 2.6], "en")
    assert [t["text"] for t in texts] == [
        "First we walk along the beach and look at the ships.",
        "Then we climb the green hill behind the little village.",
        "Finally we eat dinner together in the warm kitchen.",
    ]
    assert all(t["verified"] is False and t["source"] == "proportional" for t in texts)


def test_english_split_without_punctuation_is_by_words_in_proportion():
    words = " ".join(["word"] * 30)
    texts = splitting.split_transcript(words, [1.0, 2.0], "en")
    assert [len(t["text"].split()) for t in texts] == [10, 20]


def test_chinese_transcript_splits_by_characters_preferring_punctuation():
    text = "今天天气很好，我们去公园散步。晚上一起看电影吧。"
    texts = splitting.split_transcript(text, [2.0, 1.6], "zh")
    assert [t["text"] for t in texts] == ["今天天气很好，我们去公园散步。", "晚上一起看电影吧。"]
    no_punct = splitting.split_transcript("一二三四五六七八九十", [1.0, 1.0], "all_zh")
    assert [t["text"] for t in no_punct] == ["一二三四五", "六七八九十"]


def test_auto_language_detects_cjk_and_every_piece_keeps_text_when_possible():
    texts = splitting.split_transcript("你好世界", [1.0, 1.0, 1.0, 0.0], "auto")
    assert [t["text"] for t in texts if t["text"]] == ["你", "好", "世", "界"]
    assert len(splitting.split_transcript("", [1.0, 2.0], "en")) == 2
    assert splitting.split_transcript("hello", [], "en") == []


class FakeTranscriber:
    """Same interface as WhisperTranscriber: transcribe(path, lang) -> text."""

    def __init__(self):
        self.calls = []

    def transcribe(self, path, lang):
        self.calls.append((str(path), lang))
        return f" text of {path.name} "


def test_piece_texts_use_a_transcriber_when_given(tmp_path):
    paths = [tmp_path / "a_01.wav", tmp_path / "a_02.wav"]
    fake = FakeTranscriber()
    texts = splitting.piece_texts(paths, lang="en", transcriber=fake, original_text=EN_TEXT)
    assert texts == [
        {"text": "text of a_01.wav", "verified": True, "source": "asr"},
        {"text": "text of a_02.wav", "verified": True, "source": "asr"},
    ]
    assert fake.calls == [(str(paths[0]), "en"), (str(paths[1]), "en")]


def test_piece_texts_fall_back_to_the_proportional_split(tmp_path):
    paths = [tmp_path / "a_01.wav", tmp_path / "a_02.wav", tmp_path / "a_03.wav"]
    texts = splitting.piece_texts(paths, lang="en", original_text=EN_TEXT, voiced=[3.0, 3.1, 2.6])
    assert texts[1]["text"].startswith("Then") and not texts[1]["verified"]
    with pytest.raises(ValueError, match="voiced"):
        splitting.piece_texts(paths, lang="en", original_text=EN_TEXT)


def test_whisper_folder_checks(tmp_path):
    with pytest.raises(ValueError, match="not found: .*large-v3"):
        splitting.WhisperTranscriber(tmp_path / "large-v3")
    folder = tmp_path / "faster-whisper-small"
    folder.mkdir()
    (folder / "model.bin").write_bytes(b"")
    (folder / "config.json").write_text("{}")
    with pytest.raises(ValueError, match="missing tokenizer.json"):
        splitting.WhisperTranscriber(folder)
    (folder / "tokenizer.json").write_text("{}")
    transcriber = splitting.WhisperTranscriber(folder)  # loads lazily: no model read yet
    assert transcriber.model_dir == folder


@needs_speech
def test_voiced_durations_of_edited_pieces(paused):
    path, pauses = paused
    whole = splitting.voiced_durations(path, [{"start": 0.0, "end": 12.0}])
    halves = splitting.voiced_durations(path, [{"start": 0.0, "end": 6.0}, {"start": 6.0, "end": 12.0}])
    assert sum(halves) == pytest.approx(whole[0], abs=0.01)
