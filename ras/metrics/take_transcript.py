"""A take's transcript, by the model that serves its language, scored against the text it should say.

Every place that judges words (the analysis of a take, the finder's screening of a reference clip)
goes through here, so they read a language with the same model and score it in the same units.

English is scored by words, as the field scores it (WER), only when a Whisper larger than tiny
reads it. The bundled tiny.en mishears too much for that: on 96 clean espeak takes, 38 failed at
the word level (a misheard word is a whole wrong word, and three in a row fail the take) against 12
at the character level. With tiny.en, or any model that is not a Whisper of known size above tiny,
English keeps the character rate (letters, spaces ignored) and its runs are counted in letters
(scoring.FAILING_RUN["letter"]).
"""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from ras.metrics.asr import AsrUnavailable
from ras.metrics.asr_models import (
    WHISPER,
    WHISPER_EN,
    AsrChoice,
    AsrModel,
    RefusedModel,
    examine,
    override_family,
    whisper_size,
)
from ras.metrics.text_compare import TextComparison, compare_texts, prompt_leak, unit_for
from ras.metrics.transcribe import transcribe_samples

log = logging.getLogger(__name__)

# What the analysis reports as missing, each with the reason, when no transcript can be had (cer's reason
# stands for its companions: asr_model, cer_ops, longest_wrong_run).
TRANSCRIPT_METRICS = ("asr_text", "cer", "prompt_leak")
NO_MODEL = ("no speech recognition model for this language (see --asr-model, --gsv-root, or fetch one in the "
            "status panel)")


def words_trusted(model: AsrModel) -> bool:
    """Whether the model hears English well enough to be scored word by word (see above)."""
    return model.family in (WHISPER, WHISPER_EN) and whisper_size(model.name) > 0


def comparison_unit(text: str, text_lang: str, model: AsrModel) -> str:
    """The unit a transcript by `model` is compared in: the language's own, except that words are read
    as letters when the model is not trusted word by word."""
    unit = unit_for(text_lang, text)
    return "letter" if unit == "word" and not words_trusted(model) else unit


def compare_transcript(text: str, transcript: str, text_lang: str, model: AsrModel) -> TextComparison:
    return compare_texts(text, transcript, text_lang, unit=comparison_unit(text, text_lang, model))


def resolve_model(asr_model) -> tuple[AsrModel | None, str]:
    """(the model, why none) from what a caller holds: an AsrChoice, an AsrModel, a folder (what
    --asr-model names: faster-whisper or FunASR), or None."""
    if asr_model is None:
        return None, NO_MODEL
    if isinstance(asr_model, AsrChoice):
        return asr_model.model, asr_model.reason
    if isinstance(asr_model, AsrModel):
        return asr_model, ""
    folder = Path(asr_model).expanduser()
    family = override_family(folder) if folder.is_dir() else None
    if family is None:
        return None, f"not a faster-whisper or FunASR model folder: {folder}"
    found = examine(folder, folder.name, family, "--asr-model")
    return (None, found.reason) if isinstance(found, RefusedModel) else (found, "")


def transcript_metrics(samples_16k: np.ndarray, text: str, text_lang: str, asr_model, *, prompt_text: str = "",
                       device: str = "cpu") -> tuple[dict, dict]:
    """(metrics, missing) of one take's words: asr_text, asr_model (the model that read it), cer (the
    error rate in cer_unit), cer_ops {"sub", "del", "ins"}, longest_wrong_run with its own ops, and with
    the reference's prompt_text, prompt_leak. Without a model or a transcript each is missing with why."""
    model, reason = resolve_model(asr_model)
    if model is None:
        return {}, {name: reason or NO_MODEL for name in TRANSCRIPT_METRICS}
    try:
        # a take that opens with its reference's words still reads to its end
        expected = f"{prompt_text} {text}" if prompt_text else text
        transcript = transcribe_samples(samples_16k, text_lang, model, device=device, expected_text=expected)
    except AsrUnavailable as exc:
        return {}, {name: str(exc) for name in TRANSCRIPT_METRICS}
    except Exception as exc:
        log.exception("ASR failed")
        return {}, {name: f"ASR failed ({model.label}): {exc}" for name in TRANSCRIPT_METRICS}
    scored = compare_transcript(text, transcript.text, text_lang, model)
    found = {"asr_text": transcript.text, "asr_model": transcript.model, "cer": scored.error_rate,
             "cer_unit": scored.unit, "cer_ops": scored.ops(), "longest_wrong_run": scored.longest_wrong_run,
             "longest_wrong_run_ops": scored.run_ops()}
    if not prompt_text:
        return found, {"prompt_leak": "the reference has no prompt text"}
    return found | {"prompt_leak": prompt_leak(prompt_text, text, transcript.text)}, {}
