"""Auto score 0-100 and flags from the metrics of one take.

Each rule maps one metric to a penalty between 0 (fine) and 1 (clearly
defective) with a linear ramp from `start` to `full`; the score is 100 minus
the sum of weight x penalty, clamped to 0-100. A weight is the number of
points a fully-defective value costs, so one clear defect (30-40 points)
sinks a take below every clean one, and mild oddities cost a few points.
A rule whose metric is missing costs nothing: compare scores of takes that
had the same metrics available (one task does). A penalty of 0.5 or more
raises the rule's flag.

DEFAULT_WEIGHTS (points lost at full severity), override any through `weights`:
  long_pause 30       longest internal pause 0.8 s -> 1.5 s
  leading_silence 10  silence before speech 0.6 s -> 1.5 s
  trailing_silence 10 silence after speech 1.0 s -> 2.5 s
  repeat 35           longest repeated stretch 0.4 s -> 0.8 s
  held_tone 35        longest stationary (tonal/buzz) stretch 0.2 s -> 0.45 s
  noise 30            longest noise-like stretch 0.2 s -> 0.4 s
  breath 20           longest breath-like stretch 0.2 s -> 0.35 s
  clipped 30          clipped-sample share 0.05 % -> 0.5 %
  too_fast 30         rate / language upper bound 1.0 -> 1.25
  too_slow 20         language lower bound / rate 1.0 -> 1.4
  truncated 35        ends mid-sound: end level -30 dB -> -15 dB re speech, with < 50 ms trailing silence
  low_quality 15      DNSMOS OVRL 3.0 -> 1.5 (continuous: also orders clean takes)
  noisy_background 15 DNSMOS BAK 2.6 -> 2.0
  voice_drift 35      speaker similarity to the reference 0.75 -> 0.60
  wrong_words 40      character error rate 0.10 -> 0.40 (word error rate where English is read by words)
  garbled_run 40      longest run of consecutive wrong units, 0.5 -> 1.5 x the run that fails a take
                      (FAILING_RUN: 4 characters, 3 words, 12 letters): one garbled phrase in a long
                      sentence, though its overall rate is low
  text_leak 40        take opens with the reference's prompt text (prompt_leak) 0.1 -> 0.3
  no_speech 100       sound (relative to the take's own floor) spans 0.2 s -> 0.05 s: a silent or empty take
  too_quiet 40        loud frames (95th percentile) at -35 dBFS -> -50 dBFS

The two transcript rules raise a flag named by what the errors are (text_compare): swallowed
when most of them are deletions (GPT-SoVITS's 吞字), extra_words when most are insertions (babble, a
phrase said twice), wrong_words otherwise; metrics stored before the edits were counted apart raise
wrong_words.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

FLAG_AT = 0.5
SWALLOWED, EXTRA_WORDS, WRONG_WORDS = "swallowed", "extra_words", "wrong_words"
# A run of this many consecutive wrong units fails a take whatever its overall rate: one garbled
# phrase in a long sentence is heard at once, though it is a small share of the text. A misheard
# word costs one or two characters (most Chinese words are one or two characters long) or one
# English word, and clean speech rarely loses more than that in a row to the recogniser; four
# characters in a row are a phrase, as are three English words. "letter" is English compared
# character by character (read by the bundled tiny.en, whose word errors are too many to trust,
# see take_transcript.py): an English word is ~5 letters, so twelve are more than two words. Measured
# on 96 clean espeak takes read by tiny.en: 23 had a run of 4+ letters, 3 of 8+, 1 of 12+ (it read
# 'in the U.S.' for a whole sentence, a failure on its rate too).
FAILING_RUN = {"char": 4, "word": 3, "letter": 12}


@dataclass(frozen=True)
class Rule:
    metric: str
    start: float
    full: float
    weight: float


RULES = {
    "long_pause": Rule("longest_pause", 0.8, 1.5, 30),
    "leading_silence": Rule("leading_silence", 0.6, 1.5, 10),
    "trailing_silence": Rule("trailing_silence", 1.0, 2.5, 10),
    "repeat": Rule("repeat_beyond_text", 0.4, 0.8, 35),
    "held_tone": Rule("tone_seconds", 0.2, 0.45, 35),
    "noise": Rule("noise_seconds", 0.2, 0.4, 30),
    "breath": Rule("breath_seconds", 0.2, 0.35, 20),
    "clipped": Rule("clipping_ratio", 0.0005, 0.005, 30),
    "too_fast": Rule("rate_over_upper", 1.0, 1.25, 30),
    "too_slow": Rule("rate_under_lower", 1.0, 1.4, 20),
    "truncated": Rule("end_level_if_abrupt", -30.0, -15.0, 35),
    "low_quality": Rule("dnsmos_ovrl", 3.0, 1.5, 15),
    "noisy_background": Rule("dnsmos_bak", 2.6, 2.0, 15),
    "voice_drift": Rule("speaker_similarity", 0.75, 0.60, 35),
    "wrong_words": Rule("cer", 0.10, 0.40, 40),
    "garbled_run": Rule("wrong_run_share", 0.5, 1.5, 40),
    "text_leak": Rule("prompt_leak", 0.1, 0.3, 40),
    "no_speech": Rule("speech_span", 0.2, 0.05, 100),
    "too_quiet": Rule("speech_level_db", -35.0, -50.0, 40),
}
DEFAULT_WEIGHTS = {name: rule.weight for name, rule in RULES.items()}
ABRUPT_END_SILENCE_S = 0.05


def merged_weights(weights: dict | None) -> dict:
    unknown = set(weights or {}) - set(DEFAULT_WEIGHTS)
    if unknown:
        raise ValueError(f"unknown score weights: {sorted(unknown)}; known: {sorted(DEFAULT_WEIGHTS)}")
    merged = dict(DEFAULT_WEIGHTS)
    merged.update({k: float(v) for k, v in (weights or {}).items()})
    return merged


def ramp(value: float, start: float, full: float) -> float:
    """0 at start, 1 at full, linear between; works for rising and falling directions."""
    if start == full:
        return float(value >= full) if full >= 0 else float(value <= full)
    return min(1.0, max(0.0, (value - start) / (full - start)))


def derived_inputs(metrics: dict, rate_bounds: tuple[float, float] | None) -> dict:
    """Metrics as the rules read them: rate relative to bounds, end level only for abrupt ends, repetition
    beyond what the text itself repeats."""
    values = dict(metrics)
    if metrics.get("repeat_seconds") is not None:
        values["repeat_beyond_text"] = max(0.0, metrics["repeat_seconds"] - metrics.get("text_repeat_seconds", 0.0))
    rate = metrics.get("chars_per_second")
    if rate and rate_bounds:
        low, high = rate_bounds
        values["rate_over_upper"] = rate / high
        values["rate_under_lower"] = low / rate
    if "end_level_db" in metrics and "trailing_silence" in metrics:
        abrupt = metrics["trailing_silence"] < ABRUPT_END_SILENCE_S
        values["end_level_if_abrupt"] = metrics["end_level_db"] if abrupt else -120.0
    run, unit = metrics.get("longest_wrong_run"), metrics.get("cer_unit")
    if run is not None and unit in FAILING_RUN:
        values["wrong_run_share"] = run / FAILING_RUN[unit]
    return values


def failure_kind(ops: Mapping[str, int]) -> str:
    """What most of these edits ({"sub", "del", "ins"} counts) are: deletions or insertions when they are
    more than half of them (a strict majority: a plurality would flip between kinds on one unit), else
    wrong_words."""
    total = sum(ops.values())
    if ops.get("del", 0) * 2 > total:
        return SWALLOWED
    if ops.get("ins", 0) * 2 > total:
        return EXTRA_WORDS
    return WRONG_WORDS


# The transcript rules and the metric holding the edits each one judges.
TRANSCRIPT_RULE_OPS = {"wrong_words": "cer_ops", "garbled_run": "longest_wrong_run_ops"}


def flag_name(rule: str, metrics: dict) -> str:
    """The flag a rule raises: its own name, or for a transcript rule the kind of its edits."""
    ops = metrics.get(TRANSCRIPT_RULE_OPS.get(rule, ""))
    return failure_kind(ops) if isinstance(ops, Mapping) and sum(ops.values()) else rule


def penalties(metrics: dict, rate_bounds: tuple[float, float] | None = None) -> dict:
    """Rule name -> penalty in [0, 1], for the rules whose metric is present."""
    values = derived_inputs(metrics, rate_bounds)
    return {
        name: round(ramp(float(values[rule.metric]), rule.start, rule.full), 4)
        for name, rule in RULES.items()
        if values.get(rule.metric) is not None
    }


def score(metrics: dict, rate_bounds: tuple[float, float] | None = None,
          weights: dict | None = None) -> tuple[float, list[str]]:
    """(auto score 0-100, flags) for one take's metrics."""
    weight_of = merged_weights(weights)
    found = penalties(metrics, rate_bounds)
    lost = sum(weight_of[name] * p for name, p in found.items())
    flags = [flag_name(name, metrics) for name, p in found.items() if p >= FLAG_AT and weight_of[name] > 0]
    return round(min(100.0, max(0.0, 100.0 - lost)), 2), list(dict.fromkeys(flags))
