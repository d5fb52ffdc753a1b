"""A take's words: read by the model that serves its language, scored in the units that model can be
trusted with. The tiny FunASR models have random weights (they write noise text), so the Chinese
checks are about presence and consistency; the English ones use the real bundled tiny.en."""
from __future__ import annotations

from pathlib import Path

import pytest

from ras.audio.load import load_mono, resample
from ras.metrics import asr, scoring
from ras.metrics.analyze import analyze_audio
from ras.metrics.asr_models import SENSEVOICE, WHISPER, WHISPER_BUNDLED, WHISPER_EN, AsrModel
from ras.metrics.take_transcript import comparison_unit, transcript_metrics
from ras.metrics.text_compare import compare_texts
from tests.fixtures.funasr import PARAFORMER

CHINESE_TEXT = "今天天气很好，我们去公园散步吧。"
ENGLISH_TEXT = "Please bring the green umbrella to the station tomorrow, and wait for me by the clock."


def model(name: str, family: str) -> AsrModel:
    return AsrModel(Path("/models") / name, name, family, "gpt-sovits")


@pytest.mark.parametrize("name, family, unit", [
    ("tiny.en", WHISPER_BUNDLED, "letter"),  # the bundled model: too many word errors to count words
    ("faster-whisper-tiny", WHISPER, "letter"),
    ("faster-whisper-base.en", WHISPER_EN, "word"),
    ("Systran/faster-whisper-large-v3", WHISPER, "word"),
    ("model", WHISPER, "letter"),  # a folder whose name gives no size
    ("iic/SenseVoiceSmall", SENSEVOICE, "letter"),
])
def test_english_is_scored_by_words_only_with_a_whisper_larger_than_tiny(name, family, unit):
    assert comparison_unit(ENGLISH_TEXT, "en", model(name, family)) == unit
    assert comparison_unit(CHINESE_TEXT, "zh", model(name, family)) == "char"


def test_a_chinese_take_read_by_the_gpt_sovits_paraformer_carries_its_model_and_edits(tiny_funasr, espeak_wav):
    choice = asr.AsrConfig(gsv_root=tiny_funasr.gsv_root).choose("zh")
    samples = resample(*load_mono(espeak_wav(CHINESE_TEXT, voice="zh")), 16_000)
    found, missing = transcript_metrics(samples, CHINESE_TEXT, "zh", choice)
    assert missing == {"prompt_leak": "the reference has no prompt text"}
    assert found["asr_model"] == PARAFORMER and found["cer_unit"] == "char"
    again = compare_texts(CHINESE_TEXT, found["asr_text"], "zh")  # noise text, but scored as any transcript
    assert found["cer"] == again.error_rate and found["cer_ops"] == again.ops()
    assert found["longest_wrong_run"] == again.longest_wrong_run and found["longest_wrong_run_ops"] == again.run_ops()


def test_a_language_without_a_model_says_why(tiny_funasr, espeak_wav):
    choice = asr.AsrConfig(gsv_root=tiny_funasr.gsv_root).choose("ja")  # Paraformer hears only Chinese
    found, missing = transcript_metrics(resample(*load_mono(espeak_wav("こんにちは", voice="ja")), 16_000),
                                        "こんにちは", "ja", choice)
    assert found == {} and "no speech recognition model for 'ja'" in missing["cer"]


def test_an_english_take_missing_its_last_third_is_swallowed(espeak_wav):
    """The bundled tiny.en hears real speech: the take says two thirds of its text."""
    words = ENGLISH_TEXT.split()
    said = " ".join(words[:2 * len(words) // 3])
    report = analyze_audio(espeak_wav(said), ENGLISH_TEXT, "en", asr_model=asr.AsrConfig().choose("en"), dnsmos=False)
    metrics = report["metrics"]
    assert metrics["asr_model"] == asr.BUNDLED_LABEL and metrics["cer_unit"] == "letter"
    assert metrics["cer_ops"]["del"] > metrics["cer_ops"]["sub"] + metrics["cer_ops"]["ins"], metrics
    assert metrics["longest_wrong_run"] >= scoring.FAILING_RUN["letter"], metrics
    assert "swallowed" in report["flags"] and report["auto_score"] <= 60, report


def test_the_whole_english_take_passes(espeak_wav):
    report = analyze_audio(espeak_wav(ENGLISH_TEXT), ENGLISH_TEXT, "en", asr_model=asr.AsrConfig().choose("en"),
                           dnsmos=False)
    assert not {"swallowed", "extra_words", "wrong_words"} & set(report["flags"]), report["metrics"]
