"""Ranking references by their probe takes: a pure function of stored take metrics.

Per reference clip:
  takes         probe takes with a verdict (a failed job, or a finished take whose analysis landed)
  failed_takes  takes whose job failed, that carry any flag, or whose auto score is under PASS_SCORE
  score         100 x share of takes that passed
  low, high     the 90 % Wilson interval of that share (x 100), low lowered by the penalties below
  penalties     unstable duration: the chars/s of one text spread across seeds by more than
                STABLE_SPREAD (relative range) costs the excess, up to 0.2;
                voice drift: the median speaker similarity of takes to the reference under
                MIN_SIMILARITY costs the shortfall
Shared flags: a flag that most takes of one probe text carry (over SHARED_FLAG_SHARE of at least
SHARED_FLAG_MIN_TAKES takes, from two or more references) belongs to the text, or to the speech
recognizer hearing it, not to a reference (a short sentence a small ASR model mishears in any
voice raised wrong_words in most takes of every reference). Such a flag does not fail a take of
that text; the take still fails on its other flags or a low auto score, and the row says so.
Rows are ranked by `low` (a lower confidence bound: one lucky take scores a low bound of
about 27, eight good takes about 75), then by the median auto score, then by the number of
takes. Each row says why it sits where it does in its reasons (ras.finder.reasons).
"""
from __future__ import annotations

import math
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace

from ras.finder.reasons import Reason, read_reasons, stored_reasons

PASS_SCORE = 60.0
Z = 1.645  # one-sided 95 %, two-sided 90 %
STABLE_SPREAD = 0.15
MAX_SPREAD_PENALTY = 0.2
MIN_SIMILARITY = 0.75
SHARED_FLAG_SHARE = 0.5
SHARED_FLAG_MIN_TAKES = 3


@dataclass(frozen=True)
class Take:
    clip_id: int
    text_id: int | None
    seed: int | None
    failed_job: bool = False
    auto_score: float | None = None
    flags: tuple[str, ...] = ()
    chars_per_second: float | None = None
    speaker_similarity: float | None = None

    @property
    def judged(self) -> bool:
        return self.failed_job or self.auto_score is not None

    def failure(self, pass_score: float = PASS_SCORE, shared: frozenset[str] = frozenset()) -> str | None:
        """Why this take counts as failed, or None when it passed; `shared` flags do not count."""
        if self.failed_job:
            return "job_failed"
        own = [flag for flag in self.flags if flag not in shared]
        if own:
            return own[0]
        if self.auto_score is not None and self.auto_score < pass_score:
            return "low_score"
        return None


def wilson(passed: int, total: int, z: float = Z) -> tuple[float, float]:
    """Wilson score interval of a pass share; (0, 1) without takes."""
    if total <= 0:
        return 0.0, 1.0
    p = passed / total
    denom = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denom
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def rate_spread(takes: list[Take]) -> float | None:
    """Mean over texts with 2+ seeds of (max - min) / median chars/s: how much a seed changes the pace."""
    by_text: dict = defaultdict(list)
    for take in takes:
        if take.chars_per_second and not take.failed_job:
            by_text[take.text_id].append(take.chars_per_second)
    spreads = [(max(v) - min(v)) / statistics.median(v) for v in by_text.values() if len(v) >= 2]
    return round(statistics.mean(spreads), 3) if spreads else None


def shared_flags(takes: list[Take]) -> dict:
    """text id -> the flags most of that text's takes carry, over two or more references."""
    by_text: dict = defaultdict(list)
    for take in takes:
        if take.judged and not take.failed_job:
            by_text[take.text_id].append(take)
    found = {}
    for text_id, group in by_text.items():
        if len(group) < SHARED_FLAG_MIN_TAKES or len({t.clip_id for t in group}) < 2:
            continue
        counts = Counter(flag for take in group for flag in set(take.flags))
        common = frozenset(flag for flag, n in counts.items() if n / len(group) > SHARED_FLAG_SHARE)
        if common:
            found[text_id] = common
    return found


@dataclass(frozen=True)
class RankRow:
    """A reference's standing from its probe takes (score, low, high: percent; low after penalties)."""

    clip_id: int
    score: float | None  # share of judged takes that passed; None without any
    low: float
    high: float
    takes: int
    failed_takes: int
    median_auto_score: float | None = None
    speaker_similarity: float | None = None
    rate_spread: float | None = None
    final_round: bool = False  # probed in the run's latest round (set by the run, not by ranking)
    why: tuple[Reason, ...] = field(default=(), metadata={"json": None})
    # where the row stands against the shortlist, in the run's terms (ras.finder.standing)
    standing: Reason | None = field(default=None, metadata={"json": None})
    reasons: tuple[str, ...] = field(init=False)  # the API's "code: detail" lines of `why`

    def __post_init__(self):
        object.__setattr__(self, "reasons", tuple(str(r) for r in self.why))

    def stored(self) -> dict:
        return {"clip_id": self.clip_id, "score": self.score, "low": self.low, "high": self.high,
                "takes": self.takes, "failed_takes": self.failed_takes, "median_auto_score": self.median_auto_score,
                "speaker_similarity": self.speaker_similarity, "rate_spread": self.rate_spread,
                "final_round": self.final_round, **stored_reasons(self.why)}

    @classmethod
    def read(cls, row: dict) -> RankRow:
        found = cls(int(row["clip_id"]), row["score"], row["low"], row["high"], row["takes"], row["failed_takes"],
                    row.get("median_auto_score"), row.get("speaker_similarity"), row.get("rate_spread"),
                    bool(row.get("final_round")), read_reasons(row))
        return found if "values" in row else replace(found, why=tuple(_backfilled(found, r) for r in found.why))


def _backfilled(row: RankRow, reason: Reason) -> Reason:
    """A reason of a row stored before its numbers were: the numbers again, from the row and the line."""
    counted = reason.detail.partition(" not counted")[0] if reason.code == "shared_flags" \
        else reason.detail.partition("(")[2]  # "2/6 (long_pause 1, too_fast 1)", "wrong_words 2 not counted (...)"
    kinds = {name: int(n) for name, n in re.findall(r"(\w+) (\d+)", counted)}
    spread = round((row.rate_spread or 0) * 100)
    values = {"failures": {"failed": row.failed_takes, "takes": row.takes, "kinds": kinds},
              "few_takes": {"takes": row.takes}, "shared_flags": {"kinds": kinds},
              "unstable_duration": {"percent": spread, "limit": round(STABLE_SPREAD * 100)},
              "voice_drift": {"similarity": row.speaker_similarity, "limit": MIN_SIMILARITY}}.get(reason.code, {})
    return replace(reason, values=values)


def rank_clip(clip_id: int, takes: list[Take], pass_score: float = PASS_SCORE, shared: dict | None = None) -> RankRow:
    shared = shared or {}
    judged = [t for t in takes if t.judged]
    failures = [f for f in (t.failure(pass_score, shared.get(t.text_id, frozenset())) for t in judged) if f]
    forgiven = Counter(flag for t in judged for flag in t.flags if flag in shared.get(t.text_id, ()))
    passed = len(judged) - len(failures)
    low, high = wilson(passed, len(judged))
    scores = [t.auto_score for t in judged if t.auto_score is not None]
    median_score = statistics.median(scores) if scores else None
    similarity = [t.speaker_similarity for t in judged if t.speaker_similarity is not None]
    median_similarity = statistics.median(similarity) if similarity else None
    spread = rate_spread(judged)
    reasons = [Reason("failures", f"{len(failures)}/{len(judged)}" + (f" ({_counted(failures)})" if failures else ""),
                      {"failed": len(failures), "takes": len(judged), "kinds": dict(Counter(failures))})]
    penalty = 0.0
    if spread is not None and spread > STABLE_SPREAD:
        penalty += min(MAX_SPREAD_PENALTY, spread - STABLE_SPREAD)
        reasons.append(Reason("unstable_duration", f"chars/s varies {spread * 100:.0f} % across seeds",
                              {"percent": round(spread * 100), "limit": round(STABLE_SPREAD * 100)}))
    if median_similarity is not None and median_similarity < MIN_SIMILARITY:
        penalty += MIN_SIMILARITY - median_similarity
        reasons.append(Reason("voice_drift", f"takes sound {median_similarity:.2f} like the reference",
                              {"similarity": round(median_similarity, 2), "limit": MIN_SIMILARITY}))
    if forgiven:
        reasons.append(Reason("shared_flags", f"{_counted(list(forgiven.elements()))} not counted "
                              "(most takes of the same text have them, with every reference)",
                              {"kinds": dict(forgiven)}))
    if len(judged) < 3:
        reasons.append(Reason("few_takes", f"{len(judged)} take(s) behind this row", {"takes": len(judged)}))
    return RankRow(
        clip_id=clip_id, score=round(100 * passed / len(judged), 1) if judged else None,
        low=round(100 * max(0.0, low - penalty), 1), high=round(100 * high, 1),
        takes=len(judged), failed_takes=len(failures),
        median_auto_score=round(median_score, 1) if median_score is not None else None,
        speaker_similarity=round(median_similarity, 3) if median_similarity is not None else None,
        rate_spread=spread, why=tuple(reasons))


def _counted(failures: list[str]) -> str:
    counts: dict[str, int] = defaultdict(int)
    for failure in failures:
        counts[failure] += 1
    return ", ".join(f"{name} {n}" for name, n in sorted(counts.items(), key=lambda kv: -kv[1]))


def sort_key(row: RankRow) -> tuple:
    return (-row.low, -(row.median_auto_score or 0.0), -row.takes, row.clip_id)


def rank(takes: list[Take], clip_ids: list[int], pass_score: float = PASS_SCORE) -> list[RankRow]:
    """Rows for these clips (with or without takes), best first; shared flags are found over all `takes`."""
    by_clip: dict[int, list[Take]] = defaultdict(list)
    for take in takes:
        by_clip[take.clip_id].append(take)
    shared = shared_flags(takes)
    return sorted((rank_clip(c, by_clip.get(c, []), pass_score, shared) for c in clip_ids), key=sort_key)
