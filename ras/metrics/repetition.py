"""Repetition: the same stretch of sound twice (a looped phrase or a looped noise).

Self-similarity of mean-normalised log-mel frames: a repeated segment shows up
as a stripe parallel to the main diagonal of the similarity matrix, i.e. a run
of high similarity at one fixed lag. We average each diagonal over a sliding
window longer than a word, so two occurrences of a short word ("the") do not
count, and only frames with sound in both positions take part (silence is
self-similar everywhere).

A text may repeat itself (a refrain, "这是第1句…这是第2句…", "处处闻啼鸟"): a take
that reads it faithfully says that stretch twice. text_repeat_seconds is how long
the text's longest repeated stretch lasts at the take's own rate; scoring counts
only the repetition beyond it as a loop.
"""
from __future__ import annotations

import numpy as np

from .features import HOP_SECONDS
from .rate import text_units
from .signal import longest_run

POOL = 2  # analyse 20 ms frames: half the cost, same resolution for half-second events
WINDOW_S = 0.5  # a repeat must cover this long to count
MIN_LAG_S = 0.3  # shorter lags are one sustained sound, handled by artifacts.py
REPEAT_SIMILARITY = 0.88  # windowed mean cosine above this is "the same sound"
MIN_SOUND_SHARE = 0.6
MAX_FRAMES = 3000  # 60 s at 20 ms; longer clips are analysed in their first minute
MAX_TEXT_UNITS = 1000  # far beyond a minute of speech: the rest of a longer text is not heard either


def pooled(log_mel: np.ndarray, active: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = (min(len(log_mel), MAX_FRAMES * POOL) // POOL) * POOL
    feats = log_mel[:n].reshape(-1, POOL, log_mel.shape[1]).mean(axis=1)
    act = active[:n].reshape(-1, POOL).all(axis=1)
    return feats, act


def normalised_rows(feats: np.ndarray, active: np.ndarray) -> np.ndarray:
    centre = feats[active].mean(axis=0) if active.any() else feats.mean(axis=0)
    centred = feats - centre
    norms = np.linalg.norm(centred, axis=1, keepdims=True)
    return (centred / np.maximum(norms, 1e-6)).astype(np.float32)


def diagonal_profile(similarity: np.ndarray, active: np.ndarray, lag: int, window: int) -> np.ndarray:
    """Sliding-window mean similarity along one diagonal, over the frame pairs that both hold sound.

    A window needs sound in most of its pairs (short pauses inside a repeated
    phrase are fine); otherwise it scores 0.
    """
    both = active[:-lag] & active[lag:]
    diag = np.where(both, np.diagonal(similarity, offset=lag), 0.0)
    kernel = np.ones(window, dtype=np.float32)
    total = np.convolve(diag, kernel, mode="valid")
    count = np.convolve(both.astype(np.float32), kernel, mode="valid")
    return np.where(count >= MIN_SOUND_SHARE * window, total / np.maximum(count, 1.0), 0.0)


def repetition_metrics(log_mel: np.ndarray, active: np.ndarray) -> dict:
    """repeat_similarity: best windowed similarity at any lag; repeat_seconds: longest stretch above threshold."""
    feats, act = pooled(log_mel, active)
    step = HOP_SECONDS * POOL
    window = max(1, int(round(WINDOW_S / step)))
    min_lag = max(1, int(round(MIN_LAG_S / step)))
    if len(feats) < min_lag + window or act.sum() < window:
        return {"repeat_similarity": 0.0, "repeat_seconds": 0.0}
    rows = normalised_rows(feats, act)
    similarity = rows @ rows.T
    best, longest = -1.0, 0
    for lag in range(min_lag, len(rows) - window + 1):
        profile = diagonal_profile(similarity, act, lag, window)
        best = max(best, float(profile.max()))
        run = longest_run(profile >= REPEAT_SIMILARITY)
        if run:
            longest = max(longest, run + window - 1)
    return {"repeat_similarity": round(max(best, 0.0), 4), "repeat_seconds": round(longest * step, 3)}


def repeated_units(text: str) -> int:
    """Units in the longest stretch of the text that the text says again further on (0 when nothing
    repeats; "哈哈哈" repeats "哈哈" one unit later)."""
    units = text_units(text)[:MAX_TEXT_UNITS]
    if len(units) < 2:
        return 0
    codes = np.unique(units, return_inverse=True)[1]
    return max(longest_run(codes[lag:] == codes[:-lag]) for lag in range(1, len(codes)))


def text_repeat_metrics(text: str, units_per_second: float | None) -> dict:
    """text_repeat_seconds: how long the text's own longest repeated stretch lasts at the take's rate."""
    repeated = repeated_units(text)
    if not repeated or not units_per_second:
        return {}
    return {"text_repeat_seconds": round(repeated / units_per_second, 3)}
