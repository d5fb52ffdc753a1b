"""Non-speech sounds inside a take: noise bursts and held 'electronic' tones.

- Noise: white-ish noise makes the 2-8 kHz band spectrally flat for as long
  as it lasts; speech is flat there only during short fricatives (< 0.2 s).
- Held tone / buzz: the spectrum stops changing. Speech moves from phone to
  phone every 50-150 ms, so a long run of near-zero spectral flux (mean
  absolute frame-to-frame change of log-mel in dB) with sound present is a
  held synthetic tone.
- Breath: noise-like in the 300-4000 Hz band where voiced speech is
  harmonic, and clearly quieter than the speech. Fricatives fit too but last
  under ~0.2 s; an audible in-breath lasts 0.3-0.8 s. On 24 espeak clips the
  longest clean run was 0.17 s; planted breaths at -14 to -26 dB gave 0.18-0.32 s.
"""
from __future__ import annotations

import numpy as np

from .features import ANALYSIS_SR, HOP_SECONDS, N_FFT
from .signal import longest_run

NOISE_BAND_HZ = (2000, 8000)
NOISE_FLATNESS = 0.35
NOISE_SMOOTH_S = 0.10
STATIONARY_FLUX_DB = 1.5
FLUX_SMOOTH_S = 0.05
BREATH_BAND_HZ = (300, 4000)
BREATH_FLATNESS = 0.35
BREATH_BELOW_SPEECH_DB = 8.0


def smooth(values: np.ndarray, seconds: float) -> np.ndarray:
    width = min(max(1, int(round(seconds / HOP_SECONDS))), len(values))  # "same" keeps len only if kernel <= len
    if width <= 1:
        return values
    return np.convolve(values, np.ones(width) / width, mode="same")


def longest_run_seconds(mask: np.ndarray) -> float:
    return round(longest_run(mask) * HOP_SECONDS, 3)


def band_flatness(power: np.ndarray, low_hz: float, high_hz: float) -> np.ndarray:
    """Geometric over arithmetic mean of power per frame: 1 for white noise, ~0 for a tone."""
    hz_per_bin = ANALYSIS_SR / N_FFT
    band = power[:, int(low_hz / hz_per_bin): int(high_hz / hz_per_bin)] + 1e-12
    return np.exp(np.mean(np.log(band), axis=1)) / band.mean(axis=1)


def spectral_flux_db(log_mel: np.ndarray) -> np.ndarray:
    db = log_mel * (10.0 / np.log(10.0))
    flux = np.mean(np.abs(np.diff(db, axis=0)), axis=1)
    return np.concatenate(([flux[0] if len(flux) else 0.0], flux))


def breath_mask(power: np.ndarray, frame_db: np.ndarray, active: np.ndarray, speech_db: float) -> np.ndarray:
    """Frames with sound that is noise-like where voiced speech is harmonic, and quieter than the speech
    (speech_db: the clip's speech level, ClipFeatures.speech_db)."""
    if len(active) == 0:
        return np.zeros(0, dtype=bool)
    flat = smooth(band_flatness(power, *BREATH_BAND_HZ), NOISE_SMOOTH_S)
    quieter = frame_db < speech_db - BREATH_BELOW_SPEECH_DB
    return active & (flat > BREATH_FLATNESS) & quieter


def artifact_metrics(power: np.ndarray, log_mel: np.ndarray, active: np.ndarray,
                     breaths: np.ndarray | None = None) -> dict:
    """noise_seconds: longest noise-like stretch; tone_seconds: longest stationary stretch (with sound);
    breath_seconds: longest breath-like stretch (when the breath mask is given)."""
    if len(active) == 0:
        return {"noise_seconds": 0.0, "tone_seconds": 0.0, "breath_seconds": 0.0}
    flat = smooth(band_flatness(power, *NOISE_BAND_HZ), NOISE_SMOOTH_S)
    flux = smooth(spectral_flux_db(log_mel), FLUX_SMOOTH_S)
    found = {
        "noise_seconds": longest_run_seconds((flat > NOISE_FLATNESS) & active),
        "tone_seconds": longest_run_seconds((flux < STATIONARY_FLUX_DB) & active),
    }
    if breaths is not None:
        found["breath_seconds"] = longest_run_seconds(breaths)
    return found
