import sys

import numpy as np
import pytest

from ras.metrics import asr
from ras.metrics.analyze import asr_metrics
from ras.metrics.features import compute_features


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(asr.AsrUnavailable, match="not found"):
        asr.check_model_dir(tmp_path / "nope")


def test_folder_without_tokenizer_names_the_missing_file_and_never_loads(tmp_path, monkeypatch):
    (tmp_path / "model.bin").write_bytes(b"x")
    (tmp_path / "config.json").write_text("{}")
    monkeypatch.delitem(sys.modules, "faster_whisper", raising=False)
    with pytest.raises(asr.AsrUnavailable, match="tokenizer.json"):
        asr.load_asr_model(str(tmp_path))
    assert "faster_whisper" not in sys.modules  # failed before any import that could download


@pytest.mark.parametrize("ref, hyp, cer", [
    ("Hello, world!", "hello world", 0.0),
    ("你好，世界。", "你好世界", 0.0),
    ("abcd", "abxd", 0.25),
    ("abcd", "", 1.0),
    ("", "", 0.0),
    # a number read out is no error, however Whisper writes it
    ("Your table for 4 is booked at 7:30 on May 2nd.", "Your table for four is booked at 730 on May second.", 0.0),
    ("twenty-one", "21", 0.0),
    ("seven hundred thirty", "730", 0.0),
    ("table for 4", "table for 5", 0.1111),
])
def test_character_error_rate(ref, hyp, cer):
    assert asr.character_error_rate(ref, hyp) == cer


def test_whisper_language_mapping():
    assert asr.whisper_language("all_zh") == "zh"
    assert asr.whisper_language("auto") is None


def test_asr_metrics_without_a_folder_are_missing_with_a_reason(tmp_path):
    features = compute_features(np.zeros(16000, np.float32), 16000)
    assert asr_metrics(features, "x", "en", None)[1]["cer"].startswith("no speech recognition model")
    assert "not a faster-whisper or FunASR model folder" in asr_metrics(features, "x", "en", tmp_path)[1]["asr_text"]
    (tmp_path / "model.bin").write_bytes(b"")  # a Whisper folder without its tokenizer: never loaded
    assert "missing config.json, tokenizer.json" in asr_metrics(features, "x", "en", tmp_path)[1]["asr_text"]
