"""Speaking rate: text units per second of speech, counted the way each language is read.

GPT-SoVITS language codes: zh, ja, yue, ko, en, all_zh, all_ja, all_yue,
all_ko, auto, auto_yue. CJK scripts count characters (one syllable each for
Chinese, roughly one mora for kana); Korean counts Hangul syllables; Latin
text counts words. Mixed text counts both, each CJK character as one unit and
each Latin word as one unit, so a rate stays comparable for the same text.
"""
from __future__ import annotations

import re
import statistics

from ras.languages import CJK_CHAR

# One unit each: a CJK ideograph, kana or Hangul syllable (CJK_CHAR), or a Latin word.
_LATIN_WORD = r"[A-Za-z0-9\u00c0-\u024f]+(?:['’][A-Za-z]+)*"
_UNIT = re.compile(f"{CJK_CHAR.pattern}|{_LATIN_WORD}")

# Typical rates of natural TTS output, units per second of speech span.
# Outside these the take is flagged too fast / too slow (see scoring.py).
RATE_BOUNDS = {
    "zh": (2.5, 7.0),
    "yue": (2.5, 7.5),
    "ja": (4.0, 10.0),
    "ko": (3.0, 8.0),
    "en": (1.4, 3.7),
}
LANGUAGE_NAMES = {"zh": "Chinese", "yue": "Cantonese", "ja": "Japanese", "ko": "Korean", "en": "English"}
# A person reading a reference may be slower (a calm read) or faster (a hurried one) than a typical
# take, but not by this much: beyond it the transcript is wrong, cut, or belongs to another clip.
PLAUSIBLE_RATE_SLACK = (0.55, 1.6)


def base_language(text_lang: str) -> str:
    """'all_zh' -> 'zh', 'auto_yue' -> 'yue', 'auto' -> 'auto'."""
    lang = (text_lang or "").lower().strip()
    for prefix in ("all_", "auto_"):
        if lang.startswith(prefix):
            lang = lang[len(prefix):]
    return lang


def unit_name(text_lang: str) -> str:
    lang = base_language(text_lang)
    return {"en": "words", "ko": "syllables"}.get(lang, "chars")


def text_units(text: str) -> list[str]:
    """The text's units in order (CJK/kana/Hangul characters and lower-cased Latin words), without punctuation."""
    return [unit.lower() for unit in _UNIT.findall(text or "")]


def count_units(text: str) -> int:
    """Characters of CJK/kana/Hangul plus Latin words; punctuation and spaces count nothing."""
    return len(text_units(text))


def chars_per_second(text: str, speech_seconds: float) -> float | None:
    units = count_units(text)
    if units == 0 or speech_seconds <= 0:
        return None
    return round(units / speech_seconds, 3)


def rate_language(text_lang: str, text: str = "") -> str:
    """The language whose rates apply (a key of RATE_BOUNDS); 'auto' guesses from the script of the text."""
    lang = base_language(text_lang)
    if lang not in RATE_BOUNDS:
        lang = "zh" if CJK_CHAR.search(text or "") else "en"
    return lang


def rate_bounds(text_lang: str, text: str = "") -> tuple[float, float]:
    """Bounds for the language; 'auto' guesses from the script of the text."""
    return RATE_BOUNDS[rate_language(text_lang, text)]


def plausible_rate(text_lang: str, text: str = "") -> tuple[float, float]:
    """The slowest and fastest rate a person's reading of `text` may plausibly have (PLAUSIBLE_RATE_SLACK)."""
    low, high = rate_bounds(text_lang, text)
    return low * PLAUSIBLE_RATE_SLACK[0], high * PLAUSIBLE_RATE_SLACK[1]


def duration_deviation(durations: list[float]) -> list[float | None]:
    """Each duration's relative deviation from the median of the group: (d - median) / median.

    Call it over the results of one task for the same text: an outlier means
    repetition, swallowed words or long pauses (what sorting by duration brings to the top).
    """
    valid = [d for d in durations if d is not None and d > 0]
    if not valid:
        return [None for _ in durations]
    median = statistics.median(valid)
    return [None if d is None or d <= 0 else round((d - median) / median, 4) for d in durations]
