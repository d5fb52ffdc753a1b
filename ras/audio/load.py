"""Decoded audio for analysis: any soundfile-supported file as float32 mono, and resampling.

Metrics, speaker embeddings, cut-point detection and spectrograms all start
from these samples, each at the rate its model expects.
"""
from __future__ import annotations

from math import gcd
from pathlib import Path

import numpy as np


def load_mono(path: str | Path) -> tuple[np.ndarray, int]:
    """Reads any soundfile-supported file as float32 mono in [-1, 1]; ValueError naming the file if unreadable."""
    import soundfile as sf

    try:
        empty = Path(path).stat().st_size == 0
    except OSError as exc:
        raise ValueError(f"cannot read audio file {path}: {exc.strerror or exc}") from exc
    if empty:
        raise ValueError(f"cannot read audio file {path}: it is empty (0 bytes)")
    try:
        data, sr = sf.read(str(path), dtype="float32", always_2d=True)
    except Exception as exc:  # soundfile raises several types for bad files
        raise ValueError(f"cannot read audio file {path}: damaged, or not audio at all (a WAV, FLAC, OGG or MP3 "
                         f"file is needed; {exc})") from exc
    return data.mean(axis=1).astype(np.float32), int(sr)


def resample(samples: np.ndarray, sr: int, target_sr: int) -> np.ndarray:
    """Polyphase resampling: exact for the common TTS rates and fast on CPU."""
    if sr == target_sr or len(samples) == 0:
        return samples.astype(np.float32, copy=False)
    from scipy.signal import resample_poly

    g = gcd(int(sr), int(target_sr))
    return resample_poly(samples, target_sr // g, sr // g).astype(np.float32)
