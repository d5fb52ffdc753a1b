"""Automatic quality metrics for synthesized takes.

Public entry points: `analyze_audio` (a wav file), `analyze_samples` (audio
in memory), `duration_deviation` (over the takes of one text), and
`scoring.DEFAULT_WEIGHTS`. Heavy libraries (onnxruntime, faster_whisper)
load on first use only.
"""
from .analyze import analyze_audio, analyze_samples
from .rate import duration_deviation
from .scoring import DEFAULT_WEIGHTS

__all__ = ["analyze_audio", "analyze_samples", "duration_deviation", "DEFAULT_WEIGHTS"]
