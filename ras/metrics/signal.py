"""Level, silence and clipping metrics from an energy-based voice activity mask.

An energy VAD is enough here: TTS output has a clean noise floor, and what we
look for (seconds of silence, clipped peaks) is coarse. It costs ~1 ms per
second of audio, against ~10 ms for a neural VAD.
"""
from __future__ import annotations

import numpy as np

from ras.audio.levels import rms_db

from .features import ANALYSIS_SR, HOP_SECONDS, ClipFeatures, speech_level_db

# Frames more than SPEECH_RANGE_DB below the speech level are silence, unless the clip's own floor is higher.
SPEECH_RANGE_DB = 35.0
FLOOR_MARGIN_DB = 6.0
MIN_GAP_BELOW_SPEECH_DB = 15.0
MIN_VOICED_RUN_S = 0.03  # shorter bursts (clicks) do not end a pause
END_WINDOW_S = 0.03
CLIP_PLATEAU = 0.9999  # within ~3 int16 steps of the peak: a flat top, not a rounded natural peak


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) index pairs of the True runs of a boolean array."""
    if len(mask) == 0:
        return []
    padded = np.concatenate(([False], mask.astype(bool), [False]))
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return list(zip(edges[0::2].tolist(), edges[1::2].tolist()))


def longest_run(mask: np.ndarray) -> int:
    """Length of the longest True run of a boolean array (numpy only: called once per lag by repetition)."""
    if not mask.any():
        return 0
    padded = np.concatenate(([0], mask.astype(np.int8), [0]))
    edges = np.flatnonzero(np.diff(padded))
    return int((edges[1::2] - edges[0::2]).max())


def voiced_mask(frame_db: np.ndarray, speech_db: float | None = None) -> np.ndarray:
    """True for frames loud enough to be speech (or any sound), relative to the clip.

    speech_db: the clip's speech level when already known (ClipFeatures.speech_db).
    """
    if len(frame_db) == 0:
        return np.zeros(0, dtype=bool)
    speech = speech_level_db(frame_db) if speech_db is None else speech_db
    floor = float(np.percentile(frame_db, 10))
    threshold = min(max(floor + FLOOR_MARGIN_DB, speech - SPEECH_RANGE_DB), speech - MIN_GAP_BELOW_SPEECH_DB)
    mask = frame_db > max(threshold, -70.0)
    min_run = int(round(MIN_VOICED_RUN_S / HOP_SECONDS))
    for start, stop in runs(mask):
        if stop - start < min_run:
            mask[start:stop] = False
    return mask


def silence_metrics(features: ClipFeatures, mask: np.ndarray) -> dict:
    duration = features.duration
    voiced = runs(mask)
    if not voiced:
        return {"leading_silence": duration, "trailing_silence": duration, "longest_pause": 0.0,
                "voiced_ratio": 0.0, "speech_span": 0.0}
    first_start, last_stop = voiced[0][0], voiced[-1][1]
    gaps = [b_start - a_stop for (_, a_stop), (b_start, _) in zip(voiced, voiced[1:])]
    leading = first_start * HOP_SECONDS
    trailing = max(0.0, duration - last_stop * HOP_SECONDS)
    return {
        "leading_silence": round(leading, 3),
        "trailing_silence": round(trailing, 3),
        "longest_pause": round(max(gaps, default=0) * HOP_SECONDS, 3),
        "voiced_ratio": round(float(mask.mean()), 4),
        "speech_span": round(max(0.0, duration - leading - trailing), 3),
    }


def end_level_db(features: ClipFeatures) -> float:
    """Level of the last 30 ms relative to the speech level: near 0 means the clip stops mid-sound."""
    tail = features.samples[-int(END_WINDOW_S * ANALYSIS_SR):]
    tail_db = rms_db(tail) if len(tail) else -120.0
    return round(float(tail_db - features.speech_db), 2)


def clipping_ratio(samples: np.ndarray) -> float:
    """Share of samples on a flat top: at the peak with a neighbour also at the peak.

    Counting plateaus instead of |x| >= 1 also catches audio that was clipped
    and then scaled down, while a natural peak is one isolated sample.
    """
    if len(samples) < 3:
        return 0.0
    magnitude = np.abs(samples)
    peak = float(magnitude.max())
    if peak < 0.05:
        return 0.0
    at_top = magnitude >= peak * CLIP_PLATEAU
    flat = at_top & (np.roll(at_top, 1) | np.roll(at_top, -1))
    return round(float(flat.mean()), 6)


def rms_dbfs(samples: np.ndarray) -> float:
    if len(samples) == 0:
        return -120.0
    return round(float(rms_db(samples, floor=1e-9)), 2)


def signal_metrics(features: ClipFeatures, mask: np.ndarray | None = None) -> dict:
    if mask is None:
        mask = voiced_mask(features.frame_db, features.speech_db)
    metrics = {"duration": round(features.duration, 3)}
    metrics.update(silence_metrics(features, mask))
    metrics["end_level_db"] = end_level_db(features)
    metrics["clipping_ratio"] = clipping_ratio(features.original)
    metrics["rms_dbfs"] = rms_dbfs(features.original)
    # absolute, unlike the voiced mask (relative to the clip): a near-silent take still has a "loudest part"
    metrics["speech_level_db"] = round(features.speech_db, 2)
    return metrics
