"""The frame features every metric shares, computed once per clip.

Analysis runs at 16 kHz: DNSMOS needs it, speech sits below 8 kHz, and a
fixed rate lets thresholds be written in seconds and dB without per-rate
tuning. Clipping is measured on the original samples (resampling smears
flat tops).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ras.audio.levels import hz_to_mel, mel_to_hz, rms_db
from ras.audio.load import resample

ANALYSIS_SR = 16_000
HOP_SECONDS = 0.010
WIN_SAMPLES = 400  # 25 ms at 16 kHz
N_FFT = 512
N_MELS = 40
POWER_FLOOR = 1e-10
# The speech level is a high percentile of frame levels: loud enough to ignore pauses, below rare peaks.
SPEECH_PERCENTILE = 95


@dataclass(frozen=True)
class ClipFeatures:
    """One clip, ready for every metric: samples and per-frame spectra at 16 kHz."""

    original: np.ndarray  # float32 mono at the file's rate
    original_sr: int
    samples: np.ndarray  # float32 mono at ANALYSIS_SR
    power: np.ndarray  # frames x (N_FFT//2+1) power spectrum
    frame_db: np.ndarray  # frame energy in dBFS (a full-scale sine is ~ -3 dB)
    log_mel: np.ndarray  # frames x N_MELS, natural-log mel energies
    speech_db: float  # speech level (speech_level_db of frame_db), read by several metrics

    @property
    def duration(self) -> float:
        return len(self.original) / float(self.original_sr)


def frame_signal(samples: np.ndarray, win: int, hop: int) -> np.ndarray:
    """Centred frames (zero-padded by half a window) as a read-only strided view."""
    padded = np.pad(samples, (win // 2, win // 2 + hop))
    n_frames = max(1, 1 + (len(samples) - 1) // hop) if len(samples) else 1
    return np.lib.stride_tricks.as_strided(
        padded, shape=(n_frames, win), strides=(padded.strides[0] * hop, padded.strides[0]), writeable=False
    )


@lru_cache(maxsize=4)
def hann(n: int) -> np.ndarray:
    return np.hanning(n).astype(np.float32)


@lru_cache(maxsize=4)
def mel_filterbank(sr: int = ANALYSIS_SR, n_fft: int = N_FFT, n_mels: int = N_MELS) -> np.ndarray:
    """Triangular HTK-style mel filters (n_fft//2+1, n_mels); numpy only, built once."""
    edges_hz = mel_to_hz(np.linspace(hz_to_mel(60.0), hz_to_mel(sr / 2 * 0.95), n_mels + 2))
    bins_hz = np.linspace(0, sr / 2, n_fft // 2 + 1)
    lower, centre, upper = edges_hz[:-2, None], edges_hz[1:-1, None], edges_hz[2:, None]
    rising = (bins_hz[None, :] - lower) / (centre - lower)
    falling = (upper - bins_hz[None, :]) / (upper - centre)
    return np.maximum(0.0, np.minimum(rising, falling)).T.astype(np.float32)


def power_spectrum(samples: np.ndarray) -> np.ndarray:
    """Short-time power spectrum at 10 ms hops, scaled so a full-scale sine peaks near 0 dB."""
    frames = frame_signal(samples, WIN_SAMPLES, int(ANALYSIS_SR * HOP_SECONDS))
    window = hann(WIN_SAMPLES)
    spectrum = np.fft.rfft(frames * window, n=N_FFT, axis=1)
    scale = 2.0 / window.sum()
    return ((np.abs(spectrum) * scale) ** 2).astype(np.float32)


def frame_energy_db(samples: np.ndarray) -> np.ndarray:
    """Per-frame RMS level in dBFS over the same frames as the spectrum."""
    frames = frame_signal(samples, WIN_SAMPLES, int(ANALYSIS_SR * HOP_SECONDS))
    return rms_db(frames, axis=1)


def speech_level_db(frame_db: np.ndarray) -> float:
    return float(np.percentile(frame_db, SPEECH_PERCENTILE)) if len(frame_db) else -120.0


def compute_features(samples: np.ndarray, sr: int) -> ClipFeatures:
    samples = np.asarray(samples, dtype=np.float32).reshape(-1)
    at_16k = resample(samples, sr, ANALYSIS_SR)
    power = power_spectrum(at_16k)
    log_mel = np.log(power @ mel_filterbank() + POWER_FLOOR)
    frame_db = frame_energy_db(at_16k)
    return ClipFeatures(
        original=samples,
        original_sr=int(sr),
        samples=at_16k,
        power=power,
        frame_db=frame_db,
        log_mel=log_mel,
        speech_db=speech_level_db(frame_db),
    )
