"""Joining sentence wavs: silence gaps, fades to zero at every edge (no clicks), one sample rate."""
from __future__ import annotations

import numpy as np
import pytest
import soundfile

from ras.audio.join import SampleRateMismatch, faded, join_wavs


def tone(path, seconds, sr=32000, freq=220.0):
    t = np.arange(int(seconds * sr)) / sr
    # starts and ends at full amplitude: a hard edge that would click without a fade
    soundfile.write(str(path), (0.5 * np.cos(2 * np.pi * freq * t)).astype(np.float32), sr)
    return path


def test_join_puts_a_gap_between_sentences_and_reports_spans(tmp_path):
    a, b = tone(tmp_path / "a.wav", 1.0), tone(tmp_path / "b.wav", 0.5)
    joined = join_wavs([a, b], tmp_path / "out" / "joined.wav", gap_seconds=0.3)
    samples, sr = soundfile.read(str(joined.path))
    assert sr == 32000 and joined.sample_rate == 32000
    assert len(samples) == 32000 + int(0.3 * sr) + 16000
    assert joined.spans == [(0.0, 1.0), (1.3, 1.8)]
    gap = samples[32000:32000 + int(0.3 * sr)]
    assert np.abs(gap).max() == 0
    assert not list(tmp_path.glob("out/.*"))  # no temp file left behind


def test_every_edge_fades_to_zero_so_nothing_clicks(tmp_path):
    a, b = tone(tmp_path / "a.wav", 1.0), tone(tmp_path / "b.wav", 1.0)
    joined = join_wavs([a, b], tmp_path / "j.wav", gap_seconds=0.2, fade_seconds=0.005)
    samples, sr = soundfile.read(str(joined.path))
    for start, end in joined.spans:
        first, last = int(round(start * sr)), int(round(end * sr)) - 1
        assert abs(samples[first]) < 1e-3 and abs(samples[last]) < 1e-3
        assert abs(samples[first + 1]) < 0.01  # ramps up from zero
        assert np.abs(np.diff(samples[first:first + 200])).max() < 0.05  # no jump at the edge
    assert np.abs(samples[sr // 2]) > 0.0  # the middle is untouched
    middle = samples[int(0.5 * sr):int(0.5 * sr) + 100]
    assert np.abs(middle).max() > 0.4


def test_fade_is_shorter_than_half_a_tiny_clip():
    out = faded(np.ones(6, dtype=np.float32), 32000, 0.005)
    assert out[0] == 0 and out[-1] == 0 and len(out) == 6


def test_different_sample_rates_are_refused_clearly(tmp_path):
    a, b = tone(tmp_path / "a.wav", 0.5, sr=32000), tone(tmp_path / "b.wav", 0.5, sr=24000)
    with pytest.raises(SampleRateMismatch, match="24000 Hz"):
        join_wavs([a, b], tmp_path / "j.wav")
    assert not (tmp_path / "j.wav").exists()


def test_nothing_to_join_is_an_error(tmp_path):
    with pytest.raises(ValueError):
        join_wavs([], tmp_path / "j.wav")
