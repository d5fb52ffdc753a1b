"""One entry point: a wav + its intended text -> metrics, flags, auto score and missing metrics.

Every metric that cannot run is absent from "metrics" and present in
"missing" with the reason; nothing is ever filled with a placeholder number.
"""
from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import numpy as np

from ras.audio.load import load_mono

from . import scoring
from .artifacts import artifact_metrics, breath_mask
from .features import ClipFeatures, compute_features
from .rate import chars_per_second, count_units, rate_bounds, unit_name
from .repetition import repetition_metrics, text_repeat_metrics
from .signal import signal_metrics, voiced_mask

log = logging.getLogger(__name__)
DNSMOS_METRICS = ("dnsmos_sig", "dnsmos_bak", "dnsmos_ovrl")


_blas_lock = threading.Lock()
_blas_controller = None


@contextmanager
def blas_on_calling_thread():
    """numpy's BLAS runs single-threaded inside this block.

    OpenBLAS worker threads keep spinning for a while after each matrix
    product; on 2 cores they took the cycles of the DNSMOS session that runs
    next (a 9-s window went from 180 to 220 ms). The analysis's matrix
    products are small, so one thread loses nothing. threadpoolctl restores
    the previous thread count on exit.
    """
    global _blas_controller
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # only slower without it
        yield
        return
    with _blas_lock:
        if _blas_controller is None:
            _blas_controller = ThreadpoolController()  # scans the loaded libraries once
    with _blas_controller.limit(limits=1, user_api="blas"):
        yield


def rate_metrics(text: str, text_lang: str, speech_span: float) -> tuple[dict, dict]:
    units = count_units(text)
    metrics = {"text_units": units, "rate_unit": unit_name(text_lang)}
    rate = chars_per_second(text, speech_span)
    if rate is None:
        reason = "text has no countable characters or words" if units == 0 else "no speech found in the audio"
        return metrics, {"chars_per_second": reason}
    metrics["chars_per_second"] = rate
    metrics.update(text_repeat_metrics(text, rate))
    return metrics, {}


def dnsmos_metrics(features: ClipFeatures, enabled: bool = True) -> tuple[dict, dict]:
    from .dnsmos import DnsmosUnavailable, dnsmos_scores

    if not enabled:
        return {}, {name: "DNSMOS disabled in settings" for name in DNSMOS_METRICS}
    try:
        return dnsmos_scores(features.samples), {}
    except DnsmosUnavailable as exc:
        reason = str(exc)
    except Exception as exc:  # a broken model file must not lose the other metrics
        log.exception("DNSMOS failed")
        reason = f"DNSMOS failed: {exc}"
    return {}, {name: reason for name in DNSMOS_METRICS}


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.asarray(a, dtype=np.float64).ravel(), np.asarray(b, dtype=np.float64).ravel()
    return float(a @ b / max(np.linalg.norm(a) * np.linalg.norm(b), 1e-12))


@lru_cache(maxsize=64)
def reference_embedding(speaker_encoder, path: str, mtime_ns: int, size: int) -> np.ndarray:
    """A task's results share a few reference clips: embed each once per file version.

    mtime and size are part of the key so a replaced file is embedded again.
    """
    samples, sr = load_mono(path)
    return speaker_encoder.embed(samples, sr)


def speaker_metrics(features: ClipFeatures, ref_path, speaker_encoder) -> tuple[dict, dict]:
    if speaker_encoder is None:
        return {}, {"speaker_similarity": "no speaker encoder configured"}
    if ref_path is None:
        return {}, {"speaker_similarity": "no reference clip given"}
    if not Path(ref_path).is_file():
        return {}, {"speaker_similarity": f"reference clip not found: {ref_path}"}
    try:
        stat = Path(ref_path).stat()
        reference = reference_embedding(speaker_encoder, str(ref_path), stat.st_mtime_ns, stat.st_size)
        take = speaker_encoder.embed(features.original, features.original_sr)
    except Exception as exc:
        log.exception("speaker embedding failed")
        return {}, {"speaker_similarity": f"speaker encoder failed: {exc}"}
    return {"speaker_similarity": round(cosine(take, reference), 4),
            "speaker_encoder": getattr(speaker_encoder, "name", type(speaker_encoder).__name__)}, {}


def asr_metrics(features: ClipFeatures, text: str, text_lang: str, asr_model, prompt_text: str = "",
                asr_device: str = "cpu") -> tuple[dict, dict]:
    """The take's words (take_transcript.transcript_metrics) by asr_model: an AsrChoice, an AsrModel, a
    model folder, or None."""
    from .take_transcript import transcript_metrics

    return transcript_metrics(features.samples, text, text_lang, asr_model, prompt_text=prompt_text,
                              device=asr_device)


def analyze_samples(samples: np.ndarray, sr: int, text: str, text_lang: str, *, ref_path=None,
                    speaker_encoder=None, asr_model=None, weights=None, dnsmos: bool = True,
                    prompt_text: str = "", asr_device: str = "cpu") -> dict:
    """analyze_audio for samples already in memory (float mono)."""
    with blas_on_calling_thread():
        return _analyze(samples, sr, text, text_lang, ref_path=ref_path, speaker_encoder=speaker_encoder,
                        asr_model=asr_model, weights=weights, dnsmos=dnsmos,
                        prompt_text=prompt_text, asr_device=asr_device)


def _analyze(samples, sr, text, text_lang, *, ref_path, speaker_encoder, asr_model, weights, dnsmos,
             prompt_text="", asr_device="cpu") -> dict:
    features = compute_features(samples, sr)
    active = voiced_mask(features.frame_db, features.speech_db)
    metrics = signal_metrics(features, active)
    breaths = breath_mask(features.power, features.frame_db, active, features.speech_db)
    # two breaths sound alike but are no repeated phrase: leave them out of the self-similarity
    metrics.update(repetition_metrics(features.log_mel, active & ~breaths))
    metrics.update(artifact_metrics(features.power, features.log_mel, active, breaths))
    missing: dict[str, str] = {}
    for part_metrics, part_missing in (
        rate_metrics(text, text_lang, metrics["speech_span"]),
        dnsmos_metrics(features, dnsmos),
        speaker_metrics(features, ref_path, speaker_encoder),
        asr_metrics(features, text, text_lang, asr_model, prompt_text, asr_device),
    ):
        metrics.update(part_metrics)
        missing.update(part_missing)
    auto_score, flags = scoring.score(metrics, rate_bounds(text_lang, text), weights)
    return {"metrics": metrics, "flags": flags, "auto_score": auto_score, "missing": missing}


def analyze_audio(path: str | Path, text: str, text_lang: str, *, ref_path=None, speaker_encoder=None,
                  asr_model=None, weights=None, dnsmos: bool = True, prompt_text: str = "") -> dict:
    """Metrics, flags and auto score of one wav against its intended text.

    Returns {"metrics": {...}, "flags": [...], "auto_score": float 0-100,
    "missing": {metric: reason}}. ref_path + speaker_encoder (an object with
    .embed(samples, sr) -> vector, see ras.metrics.speaker) add speaker_similarity;
    asr_model (the AsrChoice for the take's language, an AsrModel, or a faster-whisper or FunASR
    folder) adds asr_text, asr_model, cer with its edits and longest wrong run, and with the
    reference's prompt_text, prompt_leak (how much the take opens with it);
    weights overrides scoring.DEFAULT_WEIGHTS. DNSMOS is ~40 GFLOP per started
    9 s of audio (0.2-0.5 s on 2 cores), most of the cost: dnsmos=False skips
    it (its metrics are then missing with that reason).
    """
    scoring.merged_weights(weights)  # reject bad weights before any work
    samples, sr = load_mono(path)
    return analyze_samples(samples, sr, text, text_lang, ref_path=ref_path, speaker_encoder=speaker_encoder,
                           asr_model=asr_model, weights=weights, dnsmos=dnsmos, prompt_text=prompt_text)
