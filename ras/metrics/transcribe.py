"""One way to transcribe a take, whichever backend runs the model that serves its language.

faster-whisper models run as asr.py has them run (short windows, greedy, bounded by the text).
FunASR models (Paraformer-zh, SenseVoice, UniASR, Fun-ASR-Nano) load with funasr.AutoModel from
their local folder only: a folder that exists is never fetched, disable_update skips FunASR's
version check, and no VAD or punctuation model is loaded (a take is a sentence or two, and
punctuation is stripped before scoring). A model loads on first use, once per folder and device in
a process; nothing here imports torch or funasr before that.
"""
from __future__ import annotations

import contextlib
import io
import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from ras.audio.load import load_mono, resample
from ras.metrics import asr
from ras.metrics.asr_models import FUNASR_BACKEND, SENSEVOICE, AsrModel, RefusedModel, examine
from ras.metrics.rate import base_language
from ras.model_cache import ModelCache

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
# SenseVoice is told the language (it reads better than when it guesses); these are the ones it knows.
SENSEVOICE_LANGUAGES = frozenset({"zh", "en", "yue", "ja", "ko"})
# SenseVoice writes language, emotion, event and text-normalisation tags before the text: <|zh|><|NEUTRAL|>...
FUNASR_TAG = re.compile(r"<\|[^|<>]*\|>")


@dataclass(frozen=True)
class Transcript:
    text: str
    model: str  # the model's name as the status panel shows it
    backend: str


class Recognizer(Protocol):
    model: AsrModel

    def transcribe(self, samples_16k: np.ndarray, text_lang: str, expected_text: str = "") -> str: ...


class WhisperRecognizer:
    def __init__(self, model: AsrModel, device: str = "cpu") -> None:
        self.model = model
        self.device = device

    def transcribe(self, samples_16k: np.ndarray, text_lang: str, expected_text: str = "") -> str:
        whisper = asr.load_asr_model(str(self.model.folder), self.device)
        return asr.transcribe(samples_16k, whisper, text_lang, expected_text=expected_text)


class FunAsrRecognizer:
    """A FunASR model folder, loaded on the first transcript. expected_text is not needed: the models
    are non-autoregressive (or, for Fun-ASR-Nano, stop on their own), so noise cannot make them run on."""

    def __init__(self, model: AsrModel, device: str = "cpu") -> None:
        self.model = model
        self.device = device
        self._auto = None
        self._lock = threading.Lock()  # one decode at a time: two would only share the same cores

    def transcribe(self, samples_16k: np.ndarray, text_lang: str, expected_text: str = "") -> str:
        samples = np.ascontiguousarray(samples_16k, dtype=np.float32)
        if samples.size == 0:
            return ""
        with self._lock:
            if self._auto is None:
                self._auto = load_funasr(self.model, self.device)
            with contextlib.redirect_stdout(io.StringIO()):  # FunASR prints as it goes
                results = self._auto.generate(input=samples, disable_pbar=True, **self._options(text_lang))
        return clean_funasr_text(results[0].get("text", "") if results else "")

    def _options(self, text_lang: str) -> dict:
        if self.model.family != SENSEVOICE:
            return {}
        lang = base_language(text_lang)
        # no inverse text normalisation: numbers come out as spoken, which the scoring reads either way
        return {"language": lang if lang in SENSEVOICE_LANGUAGES else "auto", "use_itn": False}


def load_funasr(model: AsrModel, device: str = "cpu"):
    """funasr.AutoModel for a complete local folder (checked again: a folder can lose a file)."""
    checked = examine(model.folder, model.name, model.family, model.source)
    if isinstance(checked, RefusedModel):
        raise asr.AsrUnavailable(checked.reason)
    import torch

    # ncpu: FunASR sets torch's thread count to it; keep the process's own (analysis runs one thread).
    # dither 0: FunASR's feature extraction adds random noise by default, and a transcript is a
    # measurement (the same take reads the same every time); at 1/32768 of full scale it never
    # helped a real model read speech.
    return funasr_auto_model(model.folder, device, ncpu=torch.get_num_threads(), frontend_conf={"dither": 0.0})


def funasr_auto_model(folder: Path, device: str = "cpu", **options):
    """funasr.AutoModel of a local folder (no version check, no progress bars), with `options` of the model's
    own; the caller has checked the folder. FunASR's chatter goes to the debug log."""
    chatter = io.StringIO()
    with contextlib.redirect_stdout(chatter):  # its import and load print; the analysis protocol is stdout
        from funasr import AutoModel

        auto = AutoModel(model=str(folder), device=device, disable_update=True, disable_pbar=True,
                         disable_log=True, **options)
    log.debug("FunASR loaded %s: %s", folder, chatter.getvalue()[-2000:])
    return auto


def clean_funasr_text(text: str) -> str:
    """The words without SenseVoice's tags, spaces collapsed."""
    return " ".join(FUNASR_TAG.sub(" ", text or "").split())


_recognizers: ModelCache = ModelCache()


def recognizer_for(model: AsrModel, device: str = "cpu") -> Recognizer:
    """The recognizer for a model folder, one per folder and device in a process (the model loads on
    its first transcript)."""
    kind = FunAsrRecognizer if model.backend == FUNASR_BACKEND else WhisperRecognizer
    return _recognizers.get((model.backend, str(model.folder), device), lambda: kind(model, device))


def transcribe_samples(samples_16k: np.ndarray, text_lang: str, model: AsrModel, *, device: str = "cpu",
                       expected_text: str = "") -> Transcript:
    text = recognizer_for(model, device).transcribe(samples_16k, text_lang, expected_text)
    return Transcript(text=text, model=model.label, backend=model.backend)


def transcribe_file(path: str | Path, text_lang: str, model: AsrModel, *, device: str = "cpu",
                    expected_text: str = "") -> Transcript:
    samples, sr = load_mono(path)
    return transcribe_samples(resample(samples, sr, SAMPLE_RATE), text_lang, model, device=device,
                              expected_text=expected_text)


class ChosenModelTranscriber:
    """Transcribes files with the model that serves each call's language (AsrConfig.choose, FunASR or
    faster-whisper); a language without one fails, saying why none serves it."""

    def __init__(self, config: asr.AsrConfig) -> None:
        self.config = config
        self._choices: dict[str, asr.AsrChoice] = {}  # one discovery per language for a whole split

    def transcribe(self, path: str | Path, lang: str) -> str:
        choice = self._choices.get(lang)
        if choice is None:
            choice = self._choices[lang] = self.config.choose(lang)
        if choice.model is None:
            raise asr.AsrUnavailable(f"{choice.reason}: start RAS with --asr-model DIR (a faster-whisper or FunASR "
                                     "folder) or --gsv-root, or fetch the standard model in the status panel")
        return transcribe_file(path, lang, choice.model, device=self.config.device).text
