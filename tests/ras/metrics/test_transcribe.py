"""Transcripts through one interface, FunASR or faster-whisper, from the folder discovery chose.

The FunASR models here have random weights: they hear nothing and write noise text, so these tests
check that a take runs through the real loading and decoding path and comes out as a scored text."""
from __future__ import annotations

import re
import shutil

import numpy as np
import pytest

from ras.metrics import asr
from ras.metrics.asr_models import FUNASR_BACKEND, WHISPER_BACKEND, AsrModel, AsrSearch, find_asr_models
from ras.metrics.text_compare import compare_texts
from ras.metrics.transcribe import clean_funasr_text, load_funasr, transcribe_file, transcribe_samples
from tests.fixtures.funasr import PARAFORMER

CHINESE_TEXT = "今天天气很好，我们去公园散步吧。"


@pytest.fixture(scope="module")
def chinese_wav(espeak_wav):
    return espeak_wav(CHINESE_TEXT, voice="zh")


def test_chinese_take_through_the_gpt_sovits_paraformer(tiny_funasr, chinese_wav):
    choice = asr.AsrConfig(gsv_root=tiny_funasr.gsv_root).choose("zh")
    transcript = transcribe_file(chinese_wav, "zh", choice.model)
    assert transcript.backend == FUNASR_BACKEND and transcript.model == PARAFORMER
    assert re.fullmatch(r"(?:[\u4e00-\u9fff]|<unk>)+", transcript.text), transcript.text  # its vocabulary
    assert transcribe_file(chinese_wav, "zh", choice.model).text == transcript.text  # same audio, same reading
    scored = compare_texts(CHINESE_TEXT, transcript.text, "zh")
    assert scored.unit == "char" and scored.reference_length == 14
    assert scored.errors > 0 and scored.failures  # a random model's noise text fails the take


def test_chinese_take_through_the_modelscope_cache(tiny_funasr, chinese_wav, monkeypatch):
    monkeypatch.setenv("MODELSCOPE_CACHE", str(tiny_funasr.modelscope_cache))
    choice = asr.AsrConfig().choose("zh")  # no flag, no GPT-SoVITS root: found in the cache
    assert choice.model.folder == tiny_funasr.cached(PARAFORMER)
    transcript = transcribe_file(chinese_wav, "zh", choice.model)
    assert transcript.text and transcript.model == f"iic/{PARAFORMER}"
    assert compare_texts(CHINESE_TEXT, transcript.text, "zh").reference_length == 14


def test_sensevoice_writes_words_without_its_tags(tiny_funasr, chinese_wav, espeak_wav):
    models = find_asr_models(AsrSearch(override=tiny_funasr.cached("SenseVoiceSmall"), bundled=False))
    for lang, wav in (("yue", chinese_wav), ("ja", espeak_wav("こんにちは、元気ですか", voice="ja")),
                      ("en", espeak_wav("Good morning, how are you?"))):
        transcript = transcribe_file(wav, lang, models.choose(lang).model)
        assert transcript.text and "<|" not in transcript.text, transcript.text


def test_a_folder_that_lost_a_file_is_refused_before_loading(tiny_funasr, tmp_path):
    folder = tmp_path / PARAFORMER
    shutil.copytree(tiny_funasr.gsv_paraformer, folder)
    (folder / "tokens.json").unlink()
    with pytest.raises(asr.AsrUnavailable, match="missing tokens.json"):
        load_funasr(AsrModel(folder, PARAFORMER, "paraformer-zh", "gpt-sovits"))


def test_english_take_through_the_same_interface_with_the_bundled_whisper(espeak_wav):
    text = "Please bring the green umbrella to the station tomorrow."
    model = asr.AsrConfig().choose("en").model
    assert model.backend == WHISPER_BACKEND and model.label == asr.BUNDLED_LABEL
    transcript = transcribe_file(espeak_wav(text), "en", model, expected_text=text)
    assert compare_texts(text, transcript.text, "en").failures == (), transcript.text


def test_silence_is_an_empty_transcript(tiny_funasr):
    model = asr.AsrConfig(gsv_root=tiny_funasr.gsv_root).choose("zh").model
    assert transcribe_samples(np.zeros(0, np.float32), "zh", model).text == ""


@pytest.mark.parametrize("raw, clean", [
    ("<|zh|><|NEUTRAL|><|Speech|><|woitn|>今天天气很好", "今天天气很好"),
    ("<|en|><|HAPPY|><|BGM|><|withitn|>Good  morning.", "Good morning."),
    ("我们 去 公园", "我们 去 公园"),
])
def test_funasr_tags_are_stripped(raw, clean):
    assert clean_funasr_text(raw) == clean
