"""Screening: is a clip usable as a *reference*? Checks without any synthesis, each with its reason.

A clip's facts are measured once from its own audio (duration, speech span, pauses,
clipping, noise floor) and from what the role DB already holds (transcript, language,
cached speaker embeddings). The decision is a pure function of those facts and
ScreenLimits, so it is unit-testable and re-computable when a limit changes.

Each reason (ras.finder.reasons) has a stable code and the measured numbers; the API gives
them as "code: detail" lines, the pages in words. A person can force an excluded clip back in.

Checks:
  duration          outside 3-10 s (GPT-SoVITS refuses such references)
  empty_text        no transcript
  implausible_text  units per second of speech far outside the language's range
                    (ras.metrics.rate.plausible_rate): a wrong or cut transcript
  asr_mismatch      the transcript by the model that serves the clip's language (only with one) is off:
                    its error rate above the limit, or a run of wrong units that fails a take (a
                    garbled or missing phrase, scoring.FAILING_RUN), named swallowed / extra_words /
                    wrong_words by what most of the edits are
  noisy             speech level minus noise floor (10th percentile frame level) below the limit
  clipped           share of flat-top samples above the limit
  long_silence      an inner pause longer than the limit (GPT-SoVITS copies pauses into takes)
  other_voice       speaker embedding far from the candidates' centroid (robust outlier test)
  duplicate         same transcript and length as, or the same embedding as, a clip kept earlier
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from gsv_integration.request import REF_MAX_SECONDS, REF_MIN_SECONDS
from ras.finder.reasons import Reason, read_reasons, stored_reasons
from ras.metrics.features import HOP_SECONDS, frame_signal, speech_level_db
from ras.metrics.rate import count_units, plausible_rate, rate_language, unit_name
from ras.metrics.scoring import FAILING_RUN, failure_kind
from ras.metrics.signal import clipping_ratio, runs, voiced_mask
from ras.metrics.text_compare import TextComparison

UNIT_WORDS = {"char": "characters", "word": "words", "letter": "letters"}


@dataclass(frozen=True)
class ScreenLimits:
    min_snr_db: float = 25.0
    max_clipping: float = 0.0005
    max_inner_pause: float = 1.2
    max_cer: float = 0.35
    # other_voice: below min(centroid_floor, median - outlier_spread * robust spread)
    centroid_floor: float = 0.80
    outlier_spread: float = 4.0
    min_outlier_margin: float = 0.06
    duplicate_cosine: float = 0.995
    duplicate_seconds: float = 0.05


@dataclass
class ClipFacts:
    clip_id: int
    duration: float
    text: str
    lang: str
    speech_span: float | None = None  # None: the audio could not be read
    longest_pause: float = 0.0
    clipping_ratio: float = 0.0
    snr_db: float | None = None
    cer: float | None = None
    asr: TextComparison | None = None  # the transcript against the text, when a model heard the clip
    embedding: np.ndarray | None = field(default=None, repr=False)
    unreadable: str = ""


def frame_levels(samples: np.ndarray, sr: int) -> np.ndarray:
    """Frame RMS in dBFS at the clip's own rate, on the metrics' 10 ms hop (no resampling: 5x cheaper)."""
    frames = frame_signal(samples, int(round(0.025 * sr)), max(1, int(round(HOP_SECONDS * sr))))
    return 20.0 * np.log10(np.sqrt(np.mean(np.square(frames, dtype=np.float64), axis=1)) + 1e-6)


def measure_audio(samples: np.ndarray, sr: int) -> dict:
    """speech_span, longest_pause, clipping_ratio and snr_db of one clip (a few ms per clip)."""
    samples = np.asarray(samples, dtype=np.float32)
    frame_db = frame_levels(samples, sr)
    voiced = runs(voiced_mask(frame_db))
    gaps = [b_start - a_stop for (_, a_stop), (b_start, _) in zip(voiced, voiced[1:])]
    floor = float(np.percentile(frame_db, 10)) if len(frame_db) else -120.0
    return {"speech_span": round((voiced[-1][1] - voiced[0][0]) * HOP_SECONDS, 3) if voiced else 0.0,
            "longest_pause": round(max(gaps, default=0) * HOP_SECONDS, 3),
            "clipping_ratio": clipping_ratio(samples),
            "snr_db": round(speech_level_db(frame_db) - max(floor, -100.0), 1)}


def _normalized(text: str) -> str:
    return re.sub(r"[\W_]+", "", (text or "").lower())


def _own_reasons(facts: ClipFacts, limits: ScreenLimits) -> list[Reason]:
    reasons = []
    if not REF_MIN_SECONDS <= facts.duration <= REF_MAX_SECONDS:
        reasons.append(Reason("duration", f"{facts.duration:.2f} s (GPT-SoVITS takes {REF_MIN_SECONDS:g}-"
                              f"{REF_MAX_SECONDS:g} s)", {"seconds": round(facts.duration, 2), "min": REF_MIN_SECONDS,
                                                         "max": REF_MAX_SECONDS}))
    if facts.unreadable:
        reasons.append(Reason("unreadable", facts.unreadable))
        return reasons
    units = count_units(facts.text)
    if units == 0:
        reasons.append(Reason("empty_text", "the clip has no transcript"))
    elif facts.speech_span:
        low, high = plausible_rate(facts.lang, facts.text)
        rate = units / facts.speech_span
        if not low <= rate <= high:
            unit = unit_name(rate_language(facts.lang, facts.text))
            reasons.append(Reason("implausible_text", f"{rate:.1f} {unit}/s for {units} {unit} in "
                                  f"{facts.speech_span:.1f} s of speech (expected {low:.1f}-{high:.1f})",
                                  {"rate": round(rate, 1), "units": units, "low": round(low, 1), "high": round(high, 1),
                                   "speech_seconds": round(facts.speech_span, 1), "unit": unit}))
    mismatch = asr_mismatch(facts, limits)
    if mismatch is not None:
        reasons.append(mismatch)
    if facts.snr_db is not None and facts.snr_db < limits.min_snr_db:
        reasons.append(Reason("noisy", f"speech {facts.snr_db:.0f} dB above the noise floor "
                              f"(< {limits.min_snr_db:.0f})",
                              {"snr_db": round(facts.snr_db), "limit": limits.min_snr_db}))
    if facts.clipping_ratio > limits.max_clipping:
        reasons.append(Reason("clipped", f"{facts.clipping_ratio * 100:.2f} % of samples on flat tops",
                              {"percent": round(facts.clipping_ratio * 100, 2), "limit": limits.max_clipping * 100}))
    if facts.longest_pause > limits.max_inner_pause:
        reasons.append(Reason("long_silence", f"a {facts.longest_pause:.1f} s pause inside "
                              f"(> {limits.max_inner_pause:g} s)",
                              {"seconds": round(facts.longest_pause, 1), "limit": limits.max_inner_pause}))
    return reasons


def asr_mismatch(facts: ClipFacts, limits: ScreenLimits) -> Reason | None:
    """Why the clip's transcript does not match its text (None when it does, or was not heard): too many
    wrong characters or words, or a run of them in a row (a swallowed or invented phrase)."""
    if facts.cer is None:
        return None
    scored = facts.asr
    numbers = {"cer": round(facts.cer, 2), "limit": limits.max_cer}
    if facts.cer > limits.max_cer:
        kind = f" ({failure_kind(scored.ops())})" if scored is not None and scored.errors else ""
        return Reason("asr_mismatch", f"CER {facts.cer:.2f} > {limits.max_cer:.2f}{kind}", numbers)
    if scored is not None and scored.longest_wrong_run >= FAILING_RUN[scored.unit]:
        return Reason("asr_mismatch", f"{scored.longest_wrong_run} wrong {UNIT_WORDS[scored.unit]} in a row "
                      f"({failure_kind(scored.run_ops())}), CER {facts.cer:.2f}", numbers)
    return None


def voice_outliers(facts: list[ClipFacts], limits: ScreenLimits) -> dict[int, Reason]:
    """clip id -> reason for embeddings far from the candidates' centroid (needs 4+ embedded clips)."""
    embedded = [f for f in facts if f.embedding is not None]
    if len(embedded) < 4:
        return {}
    matrix = np.vstack([np.asarray(f.embedding, dtype=np.float64) for f in embedded])
    matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
    centroid = np.median(matrix, axis=0)  # the median resists the pull of a minority of other voices
    centroid /= max(np.linalg.norm(centroid), 1e-12)
    sims = matrix @ centroid
    median = float(np.median(sims))
    spread = 1.4826 * float(np.median(np.abs(sims - median)))
    cut = min(limits.centroid_floor, median - max(limits.outlier_spread * spread, limits.min_outlier_margin))
    return {f.clip_id: Reason("other_voice", f"similarity {s:.2f} to the role's main voice (< {cut:.2f})",
                              {"similarity": round(s, 2), "limit": round(cut, 2)})
            for f, s in zip(embedded, sims.tolist()) if s < cut}


def _duplicate_of(facts: ClipFacts, kept: list[ClipFacts], limits: ScreenLimits) -> int | None:
    text = _normalized(facts.text)
    for other in kept:
        if (text and text == _normalized(other.text)
                and abs(facts.duration - other.duration) <= limits.duplicate_seconds):
            return other.clip_id
        if facts.embedding is not None and other.embedding is not None:
            a, b = np.asarray(facts.embedding, dtype=np.float64), np.asarray(other.embedding, dtype=np.float64)
            if float(a @ b / max(np.linalg.norm(a) * np.linalg.norm(b), 1e-12)) >= limits.duplicate_cosine:
                return other.clip_id
    return None


@dataclass(frozen=True)
class ScreenRow:
    """One clip's screening: excluded when a check flagged it and no person forced it back in."""

    clip_id: int
    excluded: bool
    forced: bool = False
    why: tuple[Reason, ...] = field(default=(), metadata={"json": None})
    reasons: tuple[str, ...] = field(init=False)  # the API's "code: detail" lines of `why`

    def __post_init__(self):
        object.__setattr__(self, "reasons", tuple(str(r) for r in self.why))

    def stored(self) -> dict:
        return {"clip_id": self.clip_id, "excluded": self.excluded, "forced": self.forced, **stored_reasons(self.why)}

    @classmethod
    def read(cls, row: dict) -> ScreenRow:
        return cls(int(row["clip_id"]), bool(row["excluded"]), bool(row.get("forced")), read_reasons(row))


def screen(facts: list[ClipFacts], limits: ScreenLimits = ScreenLimits(),
           forced: set[int] = frozenset()) -> list[ScreenRow]:
    """One row per clip, in the given order.

    A forced clip keeps its reasons (the user sees why it was flagged) but is not excluded.
    Duplicates are looked for among clips that passed every other check, so the copy kept is a good one.
    """
    outliers = voice_outliers(facts, limits)
    rows, kept = [], []
    for f in facts:
        reasons = _own_reasons(f, limits)
        if f.clip_id in outliers:
            reasons.append(outliers[f.clip_id])
        if not reasons:
            twin = _duplicate_of(f, kept, limits)
            if twin is not None:
                reasons.append(Reason("duplicate", f"same as clip {twin}", {"clip_id": twin}))
            else:
                kept.append(f)
        rows.append(ScreenRow(f.clip_id, bool(reasons) and f.clip_id not in forced, f.clip_id in forced,
                              tuple(reasons)))
    return rows


def summary(rows: list[ScreenRow]) -> dict[str, int]:
    """How many clips each reason excluded, most first."""
    counts: dict[str, int] = {}
    for row in rows:
        if row.excluded:
            for reason in row.why:
                counts[reason.code] = counts.get(reason.code, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))
