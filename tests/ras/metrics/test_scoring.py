import pytest

from ras.metrics import scoring

CLEAN = {"longest_pause": 0.2, "leading_silence": 0.05, "trailing_silence": 0.3, "repeat_seconds": 0.0,
         "tone_seconds": 0.05, "noise_seconds": 0.05, "clipping_ratio": 0.0, "chars_per_second": 2.8,
         "end_level_db": -80.0, "dnsmos_ovrl": 3.1, "dnsmos_bak": 3.9}
EN = (1.4, 3.7)


def test_clean_take_scores_100_without_flags():
    assert scoring.score(CLEAN, EN) == (100.0, [])


@pytest.mark.parametrize("change, flag", [
    ({"longest_pause": 2.0}, "long_pause"),
    ({"repeat_seconds": 1.0}, "repeat"),
    ({"tone_seconds": 0.8}, "held_tone"),
    ({"noise_seconds": 0.6}, "noise"),
    ({"clipping_ratio": 0.02}, "clipped"),
    ({"chars_per_second": 5.0}, "too_fast"),
    ({"chars_per_second": 0.8}, "too_slow"),
    ({"trailing_silence": 0.0, "end_level_db": -5.0}, "truncated"),
    ({"speaker_similarity": 0.5}, "voice_drift"),
    ({"cer": 0.6}, "wrong_words"),
    ({"speech_span": 0.0}, "no_speech"),
    ({"speech_level_db": -55.0}, "too_quiet"),
])
def test_each_defect_flags_and_sinks_below_clean(change, flag):
    auto, flags = scoring.score({**CLEAN, **change}, EN)
    assert flag in flags and auto <= 80


def test_long_leading_silence_is_a_mild_flag():
    auto, flags = scoring.score({**CLEAN, "leading_silence": 2.0}, EN)
    assert flags == ["leading_silence"] and 85 <= auto < 100


def test_weights_override_and_reject_unknown_names():
    defective = {**CLEAN, "longest_pause": 2.0}
    assert scoring.score(defective, EN, {"long_pause": 0})[0] == 100.0
    assert scoring.score(defective, EN, {"long_pause": 60})[0] == 40.0
    with pytest.raises(ValueError, match="unknown score weights"):
        scoring.score(CLEAN, EN, {"loudness": 3})


def test_missing_metrics_cost_nothing():
    assert scoring.score({"longest_pause": 0.1}, None) == (100.0, [])
    assert "voice_drift" not in scoring.penalties(CLEAN, EN)


def test_ramp_both_directions():
    assert scoring.ramp(1.15, 0.8, 1.5) == pytest.approx(0.5)
    assert scoring.ramp(0.675, 0.75, 0.60) == pytest.approx(0.5)
    assert scoring.ramp(0.1, 0.8, 1.5) == 0.0 and scoring.ramp(9, 0.8, 1.5) == 1.0
