"""Transcript and character error rate with faster-whisper, from a local model folder only.

faster-whisper downloads from a model hub when given a model *name*, or a
folder without tokenizer.json; RAS never downloads, so the folder is checked
for every file first and a clear error names what is missing.
"""
from __future__ import annotations

import re
import threading
import unicodedata
from pathlib import Path

import numpy as np

from ras.model_cache import ModelCache

REQUIRED_FILES = ("model.bin", "config.json", "tokenizer.json")
# GPT-SoVITS language code -> Whisper language; None lets Whisper detect it.
WHISPER_LANGUAGE = {"zh": "zh", "yue": "yue", "ja": "ja", "ko": "ko", "en": "en"}

_model_lock = threading.Lock()
_models: ModelCache = ModelCache()


class AsrUnavailable(ValueError):
    """No usable local ASR model folder."""


def check_model_dir(model_dir: str | Path) -> Path:
    folder = Path(model_dir).expanduser()
    if not folder.is_dir():
        raise AsrUnavailable(f"ASR model folder not found: {folder}")
    missing = [name for name in REQUIRED_FILES if not (folder / name).is_file()]
    if missing:
        # Without tokenizer.json faster-whisper would fetch one from the hub: refuse instead.
        raise AsrUnavailable(
            f"ASR model folder {folder} lacks files: missing {', '.join(missing)} "
            "(a faster-whisper/CTranslate2 Whisper model needs model.bin, config.json and tokenizer.json)"
        )
    return folder


def load_asr_model(model_dir: str):
    """A faster-whisper model on CPU (int8), loaded once per folder and process, never downloaded."""
    return _models.get(str(model_dir), lambda: _load_whisper(model_dir))


def _load_whisper(model_dir: str):
    folder = check_model_dir(model_dir)
    try:
        from faster_whisper import WhisperModel
    except ImportError as exc:
        raise AsrUnavailable("faster-whisper is not installed (pip install faster-whisper)") from exc
    return WhisperModel(str(folder), device="cpu", compute_type="int8", local_files_only=True)


def whisper_language(text_lang: str) -> str | None:
    from .rate import base_language

    return WHISPER_LANGUAGE.get(base_language(text_lang))


def transcribe(samples_16k: np.ndarray, model, text_lang: str = "auto") -> str:
    with _model_lock:  # CTranslate2 models are not meant to decode two clips at once on 2 cores
        segments, _info = model.transcribe(
            np.asarray(samples_16k, dtype=np.float32), language=whisper_language(text_lang), beam_size=1,
            vad_filter=False, condition_on_previous_text=False,
        )
        return "".join(segment.text for segment in segments).strip()


def normalise_for_cer(text: str) -> str:
    """Lowercase letters, digits and CJK characters only: punctuation and spacing are not errors."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return "".join(re.findall(r"\w", text)).replace("_", "")


def edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]


def character_error_rate(reference: str, hypothesis: str) -> float:
    """Edit distance over reference length, after normalise_for_cer; 1.0 when nothing matches."""
    ref, hyp = normalise_for_cer(reference), normalise_for_cer(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    return round(edit_distance(ref, hyp) / len(ref), 4)
