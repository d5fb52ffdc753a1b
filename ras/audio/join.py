"""Join sentence wavs into one: a short silence between them, a few-ms fade at every edge.

A sentence that starts or stops mid-wave would click where it meets silence; the fades
bring every edge to zero. All inputs must share one sample rate: GPT-SoVITS writes one
rate per model version, so differing rates mean mixed models and the join refuses them.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile

from ras.audio.files import atomic_target

GAP_SECONDS = 0.3  # GPT-SoVITS's own fragment_interval between segments
FADE_SECONDS = 0.005


class SampleRateMismatch(ValueError):
    pass


@dataclass(frozen=True)
class JoinedAudio:
    path: Path
    sample_rate: int
    duration: float
    spans: list[tuple[float, float]]  # (start, end) seconds of each input in the joined audio


def faded(samples: np.ndarray, sample_rate: int, fade_seconds: float = FADE_SECONDS) -> np.ndarray:
    """A copy with a linear fade-in and fade-out of `fade_seconds` (shorter for tiny clips)."""
    out = samples.astype(np.float32, copy=True)
    n = min(int(round(fade_seconds * sample_rate)), len(out) // 2)
    if n > 0:
        ramp = np.linspace(0.0, 1.0, n + 1, dtype=np.float32)[1:]  # ends at 1, the sample before 0 is silence
        out[:n] *= ramp[:, None] if out.ndim == 2 else ramp
        out[-n:] *= ramp[::-1, None] if out.ndim == 2 else ramp[::-1]
        out[0] = 0.0
        out[-1] = 0.0
    return out


def _mono(samples: np.ndarray) -> np.ndarray:
    return samples.mean(axis=1) if samples.ndim == 2 else samples


def join_wavs(inputs: list[str | Path], output: str | Path, *, gap_seconds: float = GAP_SECONDS,
              fade_seconds: float = FADE_SECONDS) -> JoinedAudio:
    """Write the joined audio to `output` atomically (temp name, then rename)."""
    if not inputs:
        raise ValueError("nothing to join: no sentence audio given")
    pieces, rate = [], None
    for path in inputs:
        samples, sr = soundfile.read(str(path), dtype="float32", always_2d=False)
        if rate is None:
            rate = sr
        elif sr != rate:
            raise SampleRateMismatch(f"{Path(path).name} has {sr} Hz but the first sentence has {rate} Hz; "
                                     "sentences of one configuration must come from one model")
        pieces.append(faded(_mono(samples), sr, fade_seconds))
    gap = np.zeros(int(round(gap_seconds * rate)), dtype=np.float32)
    parts, spans, position = [], [], 0
    for index, piece in enumerate(pieces):
        if index:
            parts.append(gap)
            position += len(gap)
        spans.append((position / rate, (position + len(piece)) / rate))
        parts.append(piece)
        position += len(piece)
    joined = np.concatenate(parts)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    with atomic_target(output) as temp:
        soundfile.write(str(temp), joined, rate, subtype="PCM_16")
    return JoinedAudio(output, rate, len(joined) / rate, [(round(a, 4), round(b, 4)) for a, b in spans])
