"""The autopilot's quality gate and its choice of the best take, from stored metrics only.

A take passes the gate when it has no hard flag (a defect a listener always hears:
repetition, a long pause, a swallowed ending, no speech, a held tone or buzz, the
reference's own text spoken first), its auto
score reaches `min_auto_score`, its characters per second lie within its configuration's
own normal range (the median of the configuration's takes ± `rate_tolerance`, once
`min_rate_takes` takes are known: a leaked reference text or a repeat makes a take slow,
a swallowed ending makes it fast), and its ASR character error rate stays within
`max_cer` when an ASR model measured one. Whisper, a small one especially, mishears some
sentences the same way in every take: a CER the sentence's other takes share is how the
ASR hears that text, not a defect of one take (and no re-roll mends it), so a take fails
on CER only when it is also `CER_MARGIN` above the best of its sibling takes. Every failed
condition is returned as a reason, so the page can say why a take was rejected. Nothing here reads audio.

The best take of a sentence is the best passing one by auto score; when none passes, the
one with the fewest hard flags, then the highest auto score (the user listens to it).
"""
from __future__ import annotations

import dataclasses
import json
import re
import statistics
from dataclasses import asdict, dataclass, fields

from ras.errors import InputError

HARD_FLAGS = ("repeat", "long_pause", "truncated", "no_speech", "held_tone", "text_leak")
# A take scoring below this has lost at least one clear defect's worth of points
# (scoring.py: a clear defect costs 30-40); mild oddities cost only a few.
DEFAULT_MIN_AUTO_SCORE = 60.0
DEFAULT_MAX_TRIES = 4
MAX_TRIES_LIMIT = 10
CER_MARGIN = 0.1


@dataclass(frozen=True)
class Gate:
    min_auto_score: float = DEFAULT_MIN_AUTO_SCORE
    rate_tolerance: float = 0.25  # share of the configuration's median chars/s
    min_rate_takes: int = 3  # takes needed before the median rate is trusted
    max_cer: float = 0.25

    def to_json(self) -> str:
        return json.dumps(self.as_dict())

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_options(cls, options: dict | None) -> Gate:
        """A gate from a user's options; unknown names and out-of-range values are refused."""
        options = {k: v for k, v in (options or {}).items() if k != "max_tries"}
        known = {f.name for f in fields(cls)}
        unknown = set(options) - known
        if unknown:
            raise InputError(f"unknown autopilot options {sorted(unknown)}; "
                             f"known: max_tries, {', '.join(sorted(known))}")
        values = {}
        for name, value in options.items():
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise InputError(f"autopilot option {name!r} must be a number, got {value!r}")
            values[name] = value
        gate = cls(**values)
        if not 0 <= gate.min_auto_score <= 100:
            raise InputError(f"min_auto_score must be within 0-100, got {gate.min_auto_score}")
        if not 0 < gate.rate_tolerance < 1:
            raise InputError("rate_tolerance must be between 0 and 1 (a share of the median), "
                             f"got {gate.rate_tolerance}")
        if gate.min_rate_takes < 2:
            raise InputError(f"min_rate_takes must be at least 2, got {gate.min_rate_takes}")
        if not 0 <= gate.max_cer <= 1:
            raise InputError(f"max_cer must be within 0-1, got {gate.max_cer}")
        return gate

    @classmethod
    def from_json(cls, text: str) -> Gate:
        return cls.from_options(json.loads(text)) if text else cls()


def checked_max_tries(value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or int(value) != value:
        raise InputError(f"max_tries must be a whole number 1-{MAX_TRIES_LIMIT}, got {value!r}")
    if not 1 <= int(value) <= MAX_TRIES_LIMIT:
        raise InputError(f"max_tries must be within 1-{MAX_TRIES_LIMIT} (1 = no autopilot), got {value}")
    return int(value)


@dataclass(frozen=True)
class Take:
    """What the gate reads of one finished take."""

    take_id: int
    analysed: bool
    auto_score: float | None = None
    flags: tuple[str, ...] = ()
    chars_per_second: float | None = None
    cer: float | None = None
    cer_floor: float | None = None  # the lowest CER among the same sentence's other takes
    analysis_failed: bool = False  # analysis gave up on it: it never gets metrics, so it never passes


def with_cer_floors(takes: list[Take]) -> list[Take]:
    """The takes of one sentence, each knowing the lowest CER its siblings reached."""
    floored = []
    for take in takes:
        others = [t.cer for t in takes if t is not take and t.cer is not None]
        floored.append(dataclasses.replace(take, cer_floor=min(others) if others else None))
    return floored


def cer_limit(take: Take, gate: Gate) -> float:
    return gate.max_cer if take.cer_floor is None else max(gate.max_cer, take.cer_floor + CER_MARGIN)


def rate_range(takes: list[Take], gate: Gate) -> tuple[float, float] | None:
    """The configuration's normal chars/s: the median of its takes without a hard flag ± the tolerance.

    A repeat, a long pause or a leaked reference text slows a take and a swallowed ending
    speeds it up; counted in, half-failed takes would drag the median away from how the
    configuration really speaks and fail its clean takes. None with too few clean takes.
    """
    known = [t.chars_per_second for t in takes
             if t.chars_per_second and not any(flag in HARD_FLAGS for flag in t.flags)]
    if len(known) < gate.min_rate_takes:
        return None
    median = statistics.median(known)
    return median * (1 - gate.rate_tolerance), median * (1 + gate.rate_tolerance)


def reasons(take: Take, gate: Gate, normal_rate: tuple[float, float] | None) -> list[str]:
    """Why the take fails the gate; empty when it passes."""
    if not take.analysed:
        return ["analysis_failed" if take.analysis_failed else "not_analysed"]
    found = [f"flag:{flag}" for flag in take.flags if flag in HARD_FLAGS]
    if take.auto_score is None or take.auto_score < gate.min_auto_score:
        found.append(f"auto_score:{take.auto_score}<{gate.min_auto_score:g}")
    rate = take.chars_per_second
    if normal_rate and rate:
        low, high = normal_rate
        if rate < low:
            found.append(f"chars_per_second:{rate:.2f}<{low:.2f}")
        elif rate > high:
            found.append(f"chars_per_second:{rate:.2f}>{high:.2f}")
    if take.cer is not None and take.cer > cer_limit(take, gate):
        found.append(f"cer:{take.cer:.2f}>{cer_limit(take, gate):.2f}")
    return found


def passes(take: Take, gate: Gate, normal_rate: tuple[float, float] | None) -> bool:
    return not reasons(take, gate, normal_rate)


def best_take(takes: list[Take], gate: Gate, normal_rate: tuple[float, float] | None) -> Take | None:
    """The passing take with the highest auto score; else the fewest hard flags, then the highest score."""
    analysed = [t for t in takes if t.analysed] or list(takes)
    if not analysed:
        return None
    passing = [t for t in analysed if passes(t, gate, normal_rate)]

    def rank(take: Take) -> tuple:
        hard = sum(flag in HARD_FLAGS for flag in take.flags)
        return (-hard, take.auto_score if take.auto_score is not None else -1.0, -take.take_id)

    return max(passing or analysed, key=rank)


REASON_PATTERN = re.compile(r"(?P<code>[a-z_]+)(?::(?P<value>[^<>]*)(?:(?P<side>[<>])(?P<bound>.+))?)?")


@dataclass(frozen=True)
class Reason:
    """One reason code of `reasons()` read back, for a page to put in words: what failed, the take's
    value and the bound it crossed. The codes stay the API's; this is their one reader."""

    code: str  # flag, auto_score, chars_per_second, cer, not_analysed, analysis_failed, or a newer rule's
    flag: str = ""  # the flag's name when code == "flag"
    value: float | None = None
    bound: float | None = None
    above: bool = False  # the value lies above the bound (else below it)


def read_reason(text: str) -> Reason:
    """"chars_per_second:5.54>3.35" -> Reason("chars_per_second", value=5.54, bound=3.35, above=True)."""
    match = REASON_PATTERN.fullmatch(text)
    if match is None:
        return Reason(code=text)
    code, value = match["code"], match["value"]
    if code == "flag":
        return Reason(code=code, flag=value or "")
    return Reason(code=code, value=_number(value), bound=_number(match["bound"]), above=match["side"] == ">")


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text not in (None, "", "None") else None
    except ValueError:
        return None
