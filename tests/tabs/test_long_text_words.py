"""Why a long-text try was set aside, in the page's language, punctuation included."""
import pytest

from i18n import I18nAuto
from tabs.long_text_takes import reason_words, sentence_rows

REASONS = ["flag:repetition", "auto_score:41<60"]


def part_with_rejected_tries() -> dict:
    tries = [{"status": "done", "reasons": REASONS, "chosen": False},
             {"status": "done", "reasons": ["cer:0.42>0.25"], "chosen": False},
             {"status": "done", "reasons": [], "chosen": True}]
    return {"sentences": [{"index": 0, "text": "Good morning.", "needs_listening": False, "tries": tries,
                           "duration": 1.2, "chars_per_second": 10.0, "status": "done", "flags": [], "error": ""}]}


@pytest.mark.parametrize("language, separator, absent", [("zh_CN", "、", ", "), ("en_US", ", ", "、")])
def test_reasons_are_listed_with_the_page_languages_comma(language, separator, absent):
    words = reason_words(I18nAuto(language), REASONS)
    assert words.count(separator) == 1 and absent not in words
    assert ("41<60" in words) and ("low auto score" in words) == (language == "en_US")


@pytest.mark.parametrize("language, separator, absent", [("zh_CN", "；", "; "), ("en_US", "; ", "；")])
def test_the_sentence_table_separates_rejected_tries_in_the_page_language(language, separator, absent):
    rejected = sentence_rows(I18nAuto(language), part_with_rejected_tries())[0][5]
    assert rejected.startswith("1: ") and f"{separator}2: " in rejected and absent not in rejected
    assert "3:" not in rejected  # the chosen try has no reasons to show
