"""Decoded audio for analysis: any soundfile-supported file as float32 mono, and resampling.

Metrics, speaker embeddings, cut-point detection and spectrograms all start
from these samples, each at the rate its model expects.
"""
from __future__ import annotations

from math import gcd
from pathlib import Path

import numpy as np

from ras.errors import InputError


def load_mono(path: str | Path) -> tuple[np.ndarray, int]:
    """Reads any soundfile-supported file as float32 mono in [-1, 1]; InputError naming the file if unreadable
    (a file a user gave that is not audio is theirs to replace, not a crash)."""
    import soundfile as sf

    try:
        data, sr = sf.read(str(path), dtype="float32", always_2d=True)
    except Exception as exc:  # soundfile raises several types for bad files
        raise InputError(f"cannot read audio file {path}: {_why_unreadable(Path(path), exc)}") from exc
    return data.mean(axis=1).astype(np.float32), int(sr)


def _why_unreadable(path: Path, error: Exception) -> str:
    """In words, after decoding failed: libsndfile's own message says neither "missing" nor "empty"."""
    try:
        size = path.stat().st_size
    except OSError as missing:
        return missing.strerror or str(missing)
    if size == 0:
        return "it is empty (0 bytes)"
    return f"damaged, or not audio at all (a WAV, FLAC, OGG or MP3 file is needed; {error})"


def resample(samples: np.ndarray, sr: int, target_sr: int) -> np.ndarray:
    """Polyphase resampling: exact for the common TTS rates and fast on CPU."""
    if sr == target_sr or len(samples) == 0:
        return samples.astype(np.float32, copy=False)
    from scipy.signal import resample_poly

    g = gcd(int(sr), int(target_sr))
    return resample_poly(samples, target_sr // g, sr // g).astype(np.float32)
