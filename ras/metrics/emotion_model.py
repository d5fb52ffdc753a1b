"""The speech-emotion model the user already has: emotion2vec (or emotion2vec_plus), run with FunASR.

Looked for like the ASR models (ras.metrics.asr_models): the --emotion-model folder first, then the
ModelScope cache (MODELSCOPE_CACHE, else ~/.cache/modelscope[/hub]) where FunASR downloads
iic/emotion2vec_plus_large, _base, _seed and iic/emotion2vec_base_finetuned. A folder lacking a file
its configuration names is refused with the files named, never loaded (loading would download).
Finding costs a few directory listings; only EmotionRecognizer.load imports FunASR and torch.

The model answers 9 classes, `中文/english` labels (生气/angry ... 吃惊/surprised) and <unk>; a clip
takes the class with the highest score, its score as the tag's confidence.
"""
from __future__ import annotations

import contextlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ras.emotions import known_emotion
from ras.metrics.asr_models import (
    FUNASR_BACKEND,
    PACKAGES,
    AsrSearch,
    folder_refusal,
    funasr_required_files,
    modelscope_candidates,
)
from ras.metrics.transcribe import funasr_auto_model

EMOTION2VEC = "emotion2vec"
# best first: the plus models were trained on far more data; larger is better within a kind
PREFERENCE = ("emotion2vec_plus_large", "emotion2vec_plus_base", "emotion2vec_plus_seed", "emotion2vec_base_finetuned")
OVERRIDE_SOURCE = "--emotion-model"


@dataclass(frozen=True)
class EmotionModel:
    folder: Path
    name: str
    source: str  # --emotion-model | modelscope


@dataclass(frozen=True)
class EmotionModelSearch:
    """The model found (None: none), and the folders refused with why."""

    model: EmotionModel | None
    refused: tuple[str, ...] = ()


def _problem(folder: Path, name: str) -> str | None:
    refusal = folder_refusal(folder, name, funasr_required_files(folder), PACKAGES[FUNASR_BACKEND])
    return refusal[1] if refusal else None


def _rank(name: str) -> int:
    short = name.rpartition("/")[2].lower()
    return next((i for i, known in enumerate(PREFERENCE) if short.startswith(known)), len(PREFERENCE))


def find_emotion_model(search: AsrSearch) -> EmotionModelSearch:
    """search.override is the --emotion-model folder; else the best emotion2vec of the ModelScope cache."""
    candidates: list[tuple[Path, str, str]] = []
    if search.override is not None:
        candidates.append((search.override, search.override.name, OVERRIDE_SOURCE))
    cached = [(folder, name) for folder, name in modelscope_candidates(search.modelscope_roots)
              if EMOTION2VEC in name.lower()]
    candidates += [(folder, name, "modelscope") for folder, name in sorted(cached, key=lambda c: _rank(c[1]))]
    refused = []
    for folder, name, source in candidates:
        problem = _problem(folder, name)
        if problem is None:
            return EmotionModelSearch(EmotionModel(folder, name, source), tuple(refused))
        refused.append(problem)
    return EmotionModelSearch(None, tuple(refused))


def emotion_of_label(label: str) -> str:
    """"开心/happy" -> "happy"; "<unk>" (and any label naming no known emotion) -> ""."""
    return known_emotion(label.rpartition("/")[2]) or known_emotion(label.partition("/")[0]) or ""


@dataclass(frozen=True)
class Recognized:
    emotion: str  # "" when the model's best class is <unk>
    score: float


def best_class(labels: Sequence[str], scores: Sequence[float]) -> Recognized:
    best = max(range(len(scores)), key=lambda i: scores[i])
    return Recognized(emotion_of_label(labels[best]), round(float(scores[best]), 4))


class EmotionRecognizer:
    """An emotion2vec loaded with FunASR (loaded on the first call, in the process that calls)."""

    def __init__(self, model: EmotionModel, device: str = "cpu"):
        self.model, self.device, self._auto = model, device, None

    def _loaded(self):
        if self._auto is None:
            problem = _problem(self.model.folder, self.model.name)
            if problem:
                raise FileNotFoundError(problem)
            self._auto = funasr_auto_model(self.model.folder, self.device)
        return self._auto

    def recognize(self, paths: Sequence[Path]) -> list[Recognized]:
        """One answer per file, in order."""
        auto = self._loaded()
        with contextlib.redirect_stdout(io.StringIO()):
            found = auto.generate([str(p) for p in paths], granularity="utterance", extract_embedding=False)
        return [best_class(item["labels"], item["scores"]) for item in found]
