"""Whether a clip can serve as a GPT-SoVITS reference, and in words why not.

Pure functions of a clip's duration, transcript and language, so the importer, the split tool
and the clip list agree without storing the reason twice.
"""
from __future__ import annotations

from dataclasses import dataclass

from gsv_integration.request import REF_MAX_SECONDS, REF_MIN_SECONDS
from ras.metrics.rate import LANGUAGE_NAMES, count_units, plausible_rate, rate_language

# Whatever the language, a transcript beyond 30 characters a second (+ 20) is garbage: this also
# catches what the language's rate cannot count (a 5,000-letter "word" is one English word).
MAX_CHARS_PER_SECOND = 30
CHARS_SLACK = 20
UNITS_SLACK = 2  # a clip of a few syllables is not judged to the last one


def is_reference_length(duration: float) -> bool:
    return REF_MIN_SECONDS <= duration <= REF_MAX_SECONDS


@dataclass(frozen=True)
class Implausible:
    """A transcript too long for its clip: what was counted, and why that cannot be read in time."""

    count: int
    unit: str  # characters, words or syllables
    seconds: float
    why: str  # in brackets, e.g. "(22.5 characters a second; Chinese is read at most 11.2 a second)"


def implausible_transcript(text: str, lang: str, duration: float) -> Implausible | None:
    """Why `text` cannot be what a `duration`-second clip in `lang` says; None when it can. The
    language's own rate (the finder's screening uses the same bounds) over the whole clip, pauses
    included, so only a transcript faster than anyone reads it fails."""
    text, seconds = text.strip(), max(duration, 0.0)
    language = rate_language(lang, text)
    units, fastest = count_units(text), plausible_rate(lang, text)[1]
    if units > fastest * seconds + UNITS_SLACK:
        unit = {"en": "words", "ko": "syllables"}.get(language, "characters")
        rate = units / seconds if seconds else float("inf")
        return Implausible(units, unit, seconds, f"({rate:.1f} {unit} a second; {LANGUAGE_NAMES[language]} is "
                                                 f"read at most {fastest:.1f} a second)")
    most = int(MAX_CHARS_PER_SECOND * seconds + CHARS_SLACK)
    if len(text) > most:
        return Implausible(len(text), "characters", seconds, f"(at most {most})")
    return None


def transcript_fits(text: str, duration: float, lang: str) -> bool:
    return implausible_transcript(text, lang, duration) is None


def problems(text: str, duration: float, lang: str) -> list[str]:
    """Why a clip is unusable as a reference; empty when it is usable."""
    found = []
    if not is_reference_length(duration):
        found.append(f"{duration:.1f} s is outside GPT-SoVITS's reference limit of "
                     f"{REF_MIN_SECONDS:g}-{REF_MAX_SECONDS:g} s")
    excess = implausible_transcript(text, lang, duration)
    if excess is not None:
        found.append(f"its transcript has {excess.count} {excess.unit}, implausible for {excess.seconds:.1f} s of "
                     f"speech {excess.why}: check the .list text")
    return found


def invalid_reason(*, valid: bool, text: str, duration: float, lang: str) -> str:
    """Shown beside a clip marked unusable; empty for a usable one."""
    if valid:
        return ""
    return "; ".join(problems(text, duration, lang)) or "marked unusable by hand"


def shorten(value: str, limit: int = 120) -> str:
    """A user's value quoted in a message, cut so a 200,000-character line cannot flood the page. The
    cut keeps both ends: a long path is told apart by its file name."""
    value = str(value)
    if len(value) <= limit:
        return value
    head = limit // 2
    return f"{value[:head]}…{value[-(limit - head):]} ({len(value)} characters)"
