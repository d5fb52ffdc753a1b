"""Why a long-text try was set aside, in the page's language, punctuation included."""
import pytest

from i18n import I18nAuto
from tabs.long_text_takes import reason_words, sentence_rows
from tests.tabs.long_text_rows import part_of, sentence_of, try_of

REASONS = ("flag:repetition", "auto_score:41<60")


def part_with_rejected_tries():
    tries = (try_of(1, reasons=REASONS), try_of(2, reasons=("cer:0.42>0.25",)), try_of(3, chosen=True))
    return part_of(sentence_of(0, "Good morning.", tries, chars_per_second=10.0))


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
