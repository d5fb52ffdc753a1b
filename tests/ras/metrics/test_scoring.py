import pytest

from ras.metrics import scoring

CLEAN = {"longest_pause": 0.2, "leading_silence": 0.05, "trailing_silence": 0.3, "repeat_seconds": 0.0,
         "tone_seconds": 0.05, "noise_seconds": 0.05, "clipping_ratio": 0.0, "chars_per_second": 2.8,
         "end_level_db": -80.0, "dnsmos_ovrl": 3.1, "dnsmos_bak": 3.9}
EN = (1.4, 3.7)


def test_clean_take_scores_100_without_flags():
    assert scoring.score(CLEAN, EN) == (100.0, [])


@pytest.mark.parametrize("change, flag", [
    ({"longest_pause": 2.0}, "long_pause"),
    ({"repeat_seconds": 1.0}, "repeat"),
    ({"tone_seconds": 0.8}, "held_tone"),
    ({"noise_seconds": 0.6}, "noise"),
    ({"clipping_ratio": 0.02}, "clipped"),
    ({"chars_per_second": 5.0}, "too_fast"),
    ({"chars_per_second": 0.8}, "too_slow"),
    ({"trailing_silence": 0.0, "end_level_db": -5.0}, "truncated"),
    ({"speaker_similarity": 0.5}, "voice_drift"),
    ({"cer": 0.6}, "wrong_words"),
    ({"speech_span": 0.0}, "no_speech"),
    ({"speech_level_db": -55.0}, "too_quiet"),
])
def test_each_defect_flags_and_sinks_below_clean(change, flag):
    auto, flags = scoring.score({**CLEAN, **change}, EN)
    assert flag in flags and auto <= 80


def test_long_leading_silence_is_a_mild_flag():
    auto, flags = scoring.score({**CLEAN, "leading_silence": 2.0}, EN)
    assert flags == ["leading_silence"] and 85 <= auto < 100


def test_weights_override_and_reject_unknown_names():
    defective = {**CLEAN, "longest_pause": 2.0}
    assert scoring.score(defective, EN, {"long_pause": 0})[0] == 100.0
    assert scoring.score(defective, EN, {"long_pause": 60})[0] == 40.0
    with pytest.raises(ValueError, match="unknown score weights"):
        scoring.score(CLEAN, EN, {"loudness": 3})


def test_missing_metrics_cost_nothing():
    assert scoring.score({"longest_pause": 0.1}, None) == (100.0, [])
    assert "voice_drift" not in scoring.penalties(CLEAN, EN)


def test_ramp_both_directions():
    assert scoring.ramp(1.15, 0.8, 1.5) == pytest.approx(0.5)
    assert scoring.ramp(0.675, 0.75, 0.60) == pytest.approx(0.5)
    assert scoring.ramp(0.1, 0.8, 1.5) == 0.0 and scoring.ramp(9, 0.8, 1.5) == 1.0


def transcript(reference: str, heard: str, lang: str = "zh", unit: str | None = None) -> dict:
    """The transcript metrics the analysis stores for a take that said `heard`."""
    from ras.metrics.text_compare import compare_texts

    scored = compare_texts(reference, heard, lang, unit)
    return {"cer": scored.error_rate, "cer_unit": scored.unit, "cer_ops": scored.ops(),
            "longest_wrong_run": scored.longest_wrong_run, "longest_wrong_run_ops": scored.run_ops()}


SENTENCE = "今天下午三点我们在学校门口集合然后一起坐车去博物馆参观新开的恐龙化石展览"


@pytest.mark.parametrize("heard, flags", [
    (SENTENCE[:20], ["swallowed"]),  # the ending left out: deletions
    (SENTENCE[:12] + SENTENCE[:12] + SENTENCE[12:], ["extra_words"]),  # a phrase said twice: insertions
    ("明日有雨" * 9 + "吗", ["wrong_words"]),  # another sentence as long: substitutions
    (SENTENCE.replace("坐车去博物", "多尔拉卡特"), ["wrong_words"]),  # one garbled phrase, rate 0.14
    (SENTENCE.replace("坐车去博物", ""), ["swallowed"]),  # one phrase left out, rate 0.14
    (SENTENCE.replace("校", "笑").replace("车", "扯"), []),  # scattered single mishearings
])
def test_transcript_flags_say_what_went_wrong_as_the_comparison_does(heard, flags):
    from ras.metrics.text_compare import compare_texts

    metrics = {**CLEAN, **transcript(SENTENCE, heard)}
    auto, found = scoring.score(metrics, (2.5, 7.0))
    assert found == flags == list(compare_texts(SENTENCE, heard, "zh").failures), metrics
    assert auto <= 80 if flags else auto > 90


def test_a_garbled_run_costs_points_from_the_run_that_fails_a_take():
    below = {**CLEAN, "cer": 0.05, "cer_unit": "char", "longest_wrong_run": 3,
             "longest_wrong_run_ops": {"sub": 3, "del": 0, "ins": 0}, "cer_ops": {"sub": 3, "del": 0, "ins": 0}}
    assert scoring.score(below, EN)[1] == []
    at = {**below, "longest_wrong_run": 4, "longest_wrong_run_ops": {"sub": 0, "del": 4, "ins": 0}}
    assert scoring.score(at, EN) == (80.0, ["swallowed"])  # half the rule at the failing run
    # English read letter by letter by the bundled tiny.en: a misheard word is a few letters, not a phrase
    letters = {**at, "cer_unit": "letter", "longest_wrong_run": 8}
    assert scoring.score(letters, EN)[1] == []
    assert scoring.score({**letters, "longest_wrong_run": 12}, EN)[1] == ["swallowed"]
    assert scoring.score({**at, "cer_unit": "word", "longest_wrong_run": 3}, EN)[1] == ["swallowed"]


def test_metrics_stored_before_the_edits_were_counted_still_flag_wrong_words():
    assert scoring.score({**CLEAN, "cer": 0.6}, EN)[1] == ["wrong_words"]


def test_a_zero_weight_silences_the_transcript_rules():
    metrics = {**CLEAN, **transcript(SENTENCE, SENTENCE[:20])}
    assert scoring.score(metrics, (2.5, 7.0), {"wrong_words": 0, "garbled_run": 0})[1] == []
