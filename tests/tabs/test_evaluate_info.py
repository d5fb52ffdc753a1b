"""What a result slot says: flags as words in the page's language (the API keeps the rule names), key metrics."""
from dataclasses import replace

import pytest

from i18n import I18nAuto
from ras.metrics.scoring import RULES
from ras.results import Result
from tabs.evaluate import result_info
from tabs.flag_labels import flag_labels, weights_legend

RESULT = Result(id=3, clip_id=1, text_id=1, text="Good morning.", text_lang="en", status="done", error="",
                param_set_id=1, label="top_k=5", params={"top_k": 5}, audio="/r/3.wav", duration=2.5,
                chars_per_second=4.2, spectrogram="/r/3.png", analysis_error=None,
                metrics={"dnsmos_ovrl": 2.314, "speaker_similarity": 0.5512, "longest_pause": 0.42},
                missing_metrics={}, auto_score=41.0, flags=("held_tone", "voice_drift", "rule_from_a_newer_version"),
                score=None, note="", duration_deviation=0.1)


@pytest.mark.parametrize("language, words", [("zh_CN", ["电音", "音色偏移"]),
                                             ("en_US", ["electronic tone", "voice drift"])])
def test_evaluate_badges_use_the_page_language(language, words):
    info = result_info(I18nAuto(language), RESULT, "reference text")
    for word in words:
        assert f"`{word}`" in info
    assert "held_tone" not in info and "voice_drift" not in info
    assert "`rule_from_a_newer_version`" in info  # unknown names stay visible rather than vanish


@pytest.mark.parametrize("language", ["zh_CN", "en_US"])
def test_every_rule_has_a_distinct_badge_and_a_legend_line(language):
    i18n = I18nAuto(language)
    labels = flag_labels(i18n)
    assert set(labels) == set(RULES)
    assert len({word for word, _ in labels.values()}) == len(RULES)
    legend = weights_legend(i18n)
    assert all(f"`{name}`" in legend for name in RULES)
    assert f"{RULES['long_pause'].start:g} " in legend  # thresholds come from the rules, not copied text


def test_key_metrics_show_what_was_measured_and_skip_the_rest():
    info = result_info(I18nAuto("en_US"), RESULT, "reference text")
    assert "DNSMOS 2.31" in info and "voice similarity 0.55" in info and "longest pause 0.42 s" in info
    assert "CER" not in info  # no ASR model: nothing to show, not a zero


def test_a_result_analysis_gave_up_on_says_why():
    unmeasured = replace(RESULT, auto_score=None, flags=(), metrics={},
                         analysis_error="no answer within 90 s for 3.wav (failed twice)")
    info = result_info(I18nAuto("en_US"), unmeasured, "reference text")
    assert "⚠ Analysis failed: no answer within 90 s for 3.wav (failed twice)" in info
    assert "Analysis failed" not in result_info(I18nAuto("en_US"), replace(RESULT, analysis_error=None), "ref")
