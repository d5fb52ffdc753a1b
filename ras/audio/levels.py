"""Level and pitch-scale formulas shared by the metrics and the spectrogram pictures."""
from __future__ import annotations

import numpy as np

MEL_BREAK_HZ = 700.0  # HTK mel scale: linear below ~700 Hz, logarithmic above
MEL_FACTOR = 2595.0


def hz_to_mel(hz):
    return MEL_FACTOR * np.log10(1.0 + np.asarray(hz) / MEL_BREAK_HZ)


def mel_to_hz(mel):
    return MEL_BREAK_HZ * (10.0 ** (np.asarray(mel) / MEL_FACTOR) - 1.0)


def rms_db(samples: np.ndarray, *, axis: int | None = None, floor: float = 1e-6):
    """RMS level in dBFS (a full-scale sine is ~ -3 dB); `floor` keeps silence finite."""
    rms = np.sqrt(np.mean(np.square(samples, dtype=np.float64), axis=axis))
    return 20.0 * np.log10(rms + floor)
