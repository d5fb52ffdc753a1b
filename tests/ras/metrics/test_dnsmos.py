import subprocess
import sys

import numpy as np
import pytest

from ras.audio.load import resample
from ras.metrics import dnsmos
from ras.metrics.features import ANALYSIS_SR
from tests.fixtures.audio import noise_samples, read_wav


@pytest.fixture(scope="module")
def clean_16k(espeak_wav):
    samples, sr = read_wav(espeak_wav("Bright stars filled the sky after the storm finally passed.", voice="en+m3"))
    return resample(samples, sr, ANALYSIS_SR)


def test_short_clips_are_tiled_to_one_window_and_long_ones_cut():
    assert dnsmos.windows(np.ones(16000, np.float32)).shape == (1, dnsmos.WINDOW_SAMPLES)
    long = np.arange(dnsmos.WINDOW_SAMPLES * 2 + 10, dtype=np.float32) / 1e6
    cut = dnsmos.windows(long)
    assert cut.shape == (3, dnsmos.WINDOW_SAMPLES)
    assert cut[-1, -1] == long[-1]  # the last window ends with the clip


def test_clean_speech_scores_sane_and_noise_lowers_background(clean_16k):
    clean = dnsmos.dnsmos_scores(clean_16k)
    assert 2.0 < clean["dnsmos_ovrl"] < 3.8 and 1 <= clean["dnsmos_sig"] <= 5
    speech_rms = float(np.sqrt(np.mean(clean_16k ** 2)))
    noisy = dnsmos.dnsmos_scores(clean_16k + noise_samples(len(clean_16k) / ANALYSIS_SR, ANALYSIS_SR, speech_rms))
    assert noisy["dnsmos_bak"] < clean["dnsmos_bak"] - 0.5


def test_session_is_created_once(clean_16k):
    dnsmos.dnsmos_scores(clean_16k[:16000])
    assert dnsmos.dnsmos_session() is dnsmos.dnsmos_session()


def test_importing_metrics_loads_no_heavy_library():
    code = ("import sys, ras.metrics; "
            "print([m for m in ('onnxruntime', 'speechmos', 'faster_whisper', 'librosa', 'torch', 'gradio') "
            "if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
