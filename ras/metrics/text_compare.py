"""How far a take's transcript is from its text, scored as the field scores TTS takes.

The convention is seed-tts-eval's (used for F5-TTS and CosyVoice): punctuation stripped,
traditional Chinese read as simplified, Chinese, Cantonese and Japanese compared character by
character and English word by word, substitutions, deletions and insertions counted apart.
On top of it RAS compares a number however it is written (二零二六 = 两千零二十六 = 2026,
百分之五十 = 50%, "four" = 4): a take that reads a number right is right.

Korean is compared syllable by syllable, spaces ignored: Korean spacing between words varies
between writers (and between an ASR model and the user), and one wrong particle would cost a
whole space-separated word; Korean ASR is scored by characters for that reason, and RAS already
counts Korean speech rate in syllables.

The failure kinds tell a listener what went wrong: mostly deletions is `swallowed` (GPT-SoVITS's
吞字, a word or an ending left out), mostly insertions `extra_words` (babble, a phrase said twice),
otherwise `wrong_words`.
"""
from __future__ import annotations

import re
import unicodedata
import warnings
from dataclasses import dataclass
from functools import cache

from rapidfuzz.distance import Levenshtein

from ras.metrics.rate import base_language
from ras.metrics.scoring import EXTRA_WORDS as EXTRA_WORDS
from ras.metrics.scoring import FAILING_RUN as FAILING_RUN
from ras.metrics.scoring import FLAG_AT, RULES, failure_kind
from ras.metrics.scoring import SWALLOWED as SWALLOWED
from ras.metrics.scoring import WRONG_WORDS as WRONG_WORDS

CHARACTER_LANGUAGES = frozenset({"zh", "yue", "ja", "ko"})
CHINESE_LANGUAGES = frozenset({"zh", "yue"})
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")
# The units a text is compared in: characters of a language written without spaces between words
# (and Korean, see above), words, and "letter": the characters of a language written with spaces,
# for English read by a recogniser too small to be trusted word by word (FAILING_RUN says how long
# a run of each fails a take).
UNITS = ("char", "word", "letter")

# A take fails on its rate where the score's wrong_words rule raises its flag (half its ramp, 0.25),
# so the failure kinds and the flags agree; a run fails it where the garbled_run rule raises its flag
# (FAILING_RUN, defined with the rule).
_WRONG_WORDS = RULES["wrong_words"]
FAILING_ERROR_RATE = round(_WRONG_WORDS.start + FLAG_AT * (_WRONG_WORDS.full - _WRONG_WORDS.start), 4)


@dataclass(frozen=True)
class TextComparison:
    """A transcript against the text it should say, in units of `unit` (one of UNITS)."""

    unit: str
    reference_length: int
    substitutions: int
    deletions: int
    insertions: int
    error_rate: float  # (sub + del + ins) / reference length: a CER for "char" and "letter", a WER for "word"
    longest_wrong_run: int  # consecutive wrong units, between two that match
    failures: tuple[str, ...]  # swallowed / extra_words / wrong_words; () when the take says its text
    run_counts: tuple[int, int, int] = (0, 0, 0)  # substitutions, deletions, insertions of the longest run

    @property
    def errors(self) -> int:
        return self.substitutions + self.deletions + self.insertions

    def ops(self) -> dict[str, int]:
        return {"sub": self.substitutions, "del": self.deletions, "ins": self.insertions}

    def run_ops(self) -> dict[str, int]:
        """The edits of the longest wrong run, {"sub", "del", "ins"}."""
        return dict(zip(("sub", "del", "ins"), self.run_counts))


def unit_for(text_lang: str, text: str = "") -> str:
    """"char" for languages written without spaces between words (and Korean, see above), "word" for
    the rest; a language GPT-SoVITS detects itself goes by the text's script."""
    lang = base_language(text_lang)
    if lang in CHARACTER_LANGUAGES:
        return "char"
    if lang == "en":
        return "word"
    return "char" if CJK.search(text or "") else "word"


def compare_texts(reference: str, transcript: str, text_lang: str, unit: str | None = None) -> TextComparison:
    """The transcript's substitutions, deletions and insertions against the reference, its error rate,
    its longest run of wrong units, and the failure kinds that follow from them. unit: one of UNITS
    (the language's own, unit_for, when None)."""
    unit = unit or unit_for(text_lang, reference)
    if unit not in UNITS:
        raise ValueError(f"unknown comparison unit {unit!r}; known: {UNITS}")
    ref, hyp = units(reference, text_lang, unit), units(transcript, text_lang, unit)
    counts = {"replace": 0, "delete": 0, "insert": 0}
    runs: list[dict[str, int]] = []  # the edits between two matching stretches
    current: dict[str, int] = {}
    for op in Levenshtein.opcodes(ref, hyp):
        if op.tag == "equal":
            if current:
                runs.append(current)
            current = {}
            continue
        size = max(op.src_end - op.src_start, op.dest_end - op.dest_start)
        counts[op.tag] += size
        current[op.tag] = current.get(op.tag, 0) + size
    if current:
        runs.append(current)
    errors = sum(counts.values())
    rate = errors / len(ref) if ref else float(bool(hyp))
    longest = max(runs, key=lambda run: sum(run.values()), default={})
    failures = []
    if rate >= FAILING_ERROR_RATE and errors:
        failures.append(failure_kind(_as_ops(counts)))
    if sum(longest.values()) >= FAILING_RUN[unit]:
        failures.append(failure_kind(_as_ops(longest)))
    run = _as_ops(longest)
    return TextComparison(unit, len(ref), counts["replace"], counts["delete"], counts["insert"], round(rate, 4),
                          sum(longest.values()), tuple(dict.fromkeys(failures)),
                          (run["sub"], run["del"], run["ins"]))


def _as_ops(counts: dict[str, int]) -> dict[str, int]:
    return {"sub": counts.get("replace", 0), "del": counts.get("delete", 0), "ins": counts.get("insert", 0)}


# ---------------------------------------------------------------- normalisation


def units(text: str, text_lang: str, unit: str | None = None) -> list[str]:
    """The text as the units it is compared in, normalised (see normalise)."""
    unit = unit or unit_for(text_lang, text)
    clean = normalise(text, text_lang)
    if unit in ("char", "letter"):
        return [ch for ch in clean if not ch.isspace()]
    return clean.split()


def normalise(text: str, text_lang: str) -> str:
    """Lowercase words separated by single spaces: full-width forms folded (ＡＢ１ -> ab1), punctuation
    removed, Chinese in simplified characters with its numbers in digits, English numbers in digits."""
    lang = base_language(text_lang)
    text = unicodedata.normalize("NFKC", text or "").lower()
    detected = lang not in CHARACTER_LANGUAGES | {"en"}  # auto: the text's script decides
    if lang in CHINESE_LANGUAGES or (detected and CJK.search(text)):
        text = _simplified(text)
    if lang in CHINESE_LANGUAGES | {"ja"} or (detected and CJK.search(text)):
        text = chinese_numbers_as_digits(text)  # Japanese writes its numerals with the same characters
    if lang not in CHARACTER_LANGUAGES:
        text = spoken_numbers_as_digits(text.replace("'", "").replace("\u2019", ""))
    return " ".join(re.findall(r"[^\W_]+", text))


@cache
def _traditional_to_simplified():
    import opencc

    # t2s converts character by character, as the recogniser hears them: 軟體 stays 软体, the
    # reading the speech has, where a regional phrase table would write the mainland word 软件.
    return opencc.OpenCC("t2s")


def _simplified(text: str) -> str:
    return _traditional_to_simplified().convert(text)


def chinese_numbers_as_digits(text: str) -> str:
    """二零二六年 -> 2026年, 两千零二十六 -> 2026, 百分之五十 -> 50%, 三点五 -> 3.5. Both sides of a comparison
    go through it, so a numeral it also turns into a digit inside a word (统一 -> 统1) costs nothing."""
    import cn2an

    with warnings.catch_warnings():  # cn2an warns about every numeral it leaves as it is
        warnings.simplefilter("ignore")
        return cn2an.transform(text, "cn2an")


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


# ---------------------------------------------------------------- the character error rate as analysed today


def normalise_for_cer(text: str) -> str:
    """Lowercase letters, digits and CJK characters only: punctuation and spacing are not errors,
    nor is writing an English number in words or in digits."""
    text = spoken_numbers_as_digits(unicodedata.normalize("NFKC", text or "").lower())
    return "".join(re.findall(r"\w", text)).replace("_", "")


def character_error_rate(reference: str, hypothesis: str) -> float:
    """Edit distance over reference length, after normalise_for_cer; 1.0 when nothing matches."""
    ref, hyp = normalise_for_cer(reference), normalise_for_cer(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    return round(Levenshtein.distance(ref, hyp) / len(ref), 4)


def _prefix_similarity(prompt: str, text: str) -> float:
    """1 - the prompt's edit distance to the best-matching opening of text (of any length), over the
    prompt's length: a misheard first word shifts the opening without hiding the prompt."""
    window = text[:2 * len(prompt)]
    best = min(Levenshtein.distance(prompt, window[:k]) for k in range(len(window) + 1))
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
