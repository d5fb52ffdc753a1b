import numpy as np
import pytest

from ras.metrics.features import compute_features
from ras.metrics.signal import clipping_ratio, rms_dbfs, runs, signal_metrics
from tests.fixtures.audio import tone_samples

SR = 22050


def silence(seconds):
    return np.zeros(int(seconds * SR), np.float32)


def test_leading_trailing_and_internal_silence():
    samples = np.concatenate([silence(0.5), tone_samples(220, 1.0, SR), silence(1.0),
                              tone_samples(330, 1.0, SR), silence(0.3)])
    m = signal_metrics(compute_features(samples, SR))
    assert m["duration"] == pytest.approx(3.8, abs=0.01)
    assert m["leading_silence"] == pytest.approx(0.5, abs=0.03)
    assert m["trailing_silence"] == pytest.approx(0.3, abs=0.03)
    assert m["longest_pause"] == pytest.approx(1.0, abs=0.04)
    assert m["voiced_ratio"] == pytest.approx(2.0 / 3.8, abs=0.03)
    assert m["speech_span"] == pytest.approx(3.0, abs=0.05)


def test_an_abrupt_end_is_loud_and_a_faded_end_is_quiet():
    abrupt = signal_metrics(compute_features(tone_samples(220, 1.0, SR), SR))
    faded = signal_metrics(compute_features(np.concatenate([tone_samples(220, 1.0, SR), silence(0.3)]), SR))
    assert abrupt["trailing_silence"] < 0.05 and abrupt["end_level_db"] > -6
    assert faded["end_level_db"] < -40


def test_clipping_counts_flat_tops_even_below_full_scale():
    clean = tone_samples(220, 1.0, SR, 0.9)
    hard = np.clip(clean * 4, -1, 1)
    assert clipping_ratio(clean) < 0.001
    assert clipping_ratio(hard) > 0.3
    assert clipping_ratio(hard * 0.7) == pytest.approx(clipping_ratio(hard), rel=0.01)


def test_rms_of_a_full_scale_sine_is_minus_3_dbfs():
    assert rms_dbfs(tone_samples(1000, 1.0, SR, 1.0)) == pytest.approx(-3.01, abs=0.05)
    assert rms_dbfs(np.zeros(10, np.float32)) < -100


def test_empty_and_silent_audio_do_not_crash():
    m = signal_metrics(compute_features(silence(1.0), SR))
    assert m["voiced_ratio"] == 0.0 and m["leading_silence"] == pytest.approx(1.0)


def test_runs():
    assert runs(np.array([0, 1, 1, 0, 1], bool)) == [(1, 3), (4, 5)]
