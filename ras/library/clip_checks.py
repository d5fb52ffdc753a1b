"""Whether a clip can serve as a GPT-SoVITS reference, and in words why not.

Pure functions of a clip's duration and transcript, so the importer, the split tool
and the clip list agree without storing the reason twice.
"""
from __future__ import annotations

from gsv_integration.request import REF_MAX_SECONDS, REF_MIN_SECONDS

# Fast read speech stays under ~20 characters a second in English (spaces included) and
# under ~10 in Chinese; a transcript far beyond that belongs to another clip or is garbage,
# and as a prompt text it would make GPT-SoVITS speak nonsense.
MAX_CHARS_PER_SECOND = 30
CHARS_SLACK = 20


def is_reference_length(duration: float) -> bool:
    return REF_MIN_SECONDS <= duration <= REF_MAX_SECONDS


def transcript_fits(text: str, duration: float) -> bool:
    return len(text.strip()) <= MAX_CHARS_PER_SECOND * max(duration, 0.0) + CHARS_SLACK


def problems(text: str, duration: float) -> list[str]:
    """Why a clip is unusable as a reference; empty when it is usable."""
    found = []
    if not is_reference_length(duration):
        found.append(f"{duration:.1f} s is outside GPT-SoVITS's reference limit of "
                     f"{REF_MIN_SECONDS:g}-{REF_MAX_SECONDS:g} s")
    if not transcript_fits(text, duration):
        found.append(f"its transcript has {len(text.strip())} characters, implausible for {duration:.1f} s of "
                     f"speech (at most {int(MAX_CHARS_PER_SECOND * duration + CHARS_SLACK)}): check the .list text")
    return found


def invalid_reason(*, valid: bool, text: str, duration: float) -> str:
    """Shown beside a clip marked unusable; empty for a usable one."""
    if valid:
        return ""
    return "; ".join(problems(text, duration)) or "marked unusable by hand"


def shorten(value: str, limit: int = 120) -> str:
    """A user's value quoted in a message, cut so a 200,000-character line cannot flood the page. The
    cut keeps both ends: a long path is told apart by its file name."""
    value = str(value)
    if len(value) <= limit:
        return value
    head = limit // 2
    return f"{value[:head]}…{value[-(limit - head):]} ({len(value)} characters)"
