"""Why a long-text try was set aside, in the page's language: words in the table and the try picker, the
numbers in a hover text and the details line; tries named by their order, the mark every font draws."""
import re

import pytest

from i18n import I18nAuto
from tabs.long_text_takes import sentence_rows, take_choices
from tabs.long_text_words import LISTEN_MARK, reason_details, reason_words, try_details
from tests.tabs.long_text_rows import part_of, sentence_of, try_of

REASONS = ("flag:repeat", "auto_score:28.39<60", "chars_per_second:5.54>3.35", "cer:0.72>0.25")
ZH, EN = I18nAuto("zh_CN"), I18nAuto("en_US")


def part_with_rejected_tries():
    tries = (try_of(1, reasons=REASONS), try_of(2, reasons=("cer:0.42>0.25",)), try_of(3, chosen=True))
    return part_of(sentence_of(0, "Good morning.", tries, chars_per_second=2.5, needs_listening=True),
                   normal_rate=(2.1, 3.4))


@pytest.mark.parametrize("i18n, separator, absent", [(ZH, "、", ", "), (EN, ", ", "、")])
def test_reasons_are_words_listed_with_the_page_languages_comma(i18n, separator, absent):
    words = reason_words(i18n, REASONS)
    assert words.count(separator) == 3 and absent not in words
    assert not any(number in words for number in ("28", "5.54", "0.72", "<", ">"))  # numbers are in the details
    assert ("speaks too fast" in words) == (i18n is EN) and ("说得太快" in words) == (i18n is ZH)


def test_the_details_say_each_number_against_what_this_voice_does():
    details = reason_details(EN, REASONS, (2.1, 3.4))
    assert "5.5 chars/s where this voice speaks 2.1–3.4" in details
    assert "auto score 28 where the gate asks for at least 60" in details
    assert "72% of the characters heard differ from the text (limit 25%)" in details
    assert "每秒 5.5 字，这个配置通常每秒 2.1–3.4 字" in reason_details(ZH, REASONS, (2.1, 3.4))


@pytest.mark.parametrize("i18n, separator, absent", [(ZH, "；", "; "), (EN, "; ", "；")])
def test_the_sentence_table_names_rejected_tries_and_keeps_numbers_for_the_hover(i18n, separator, absent):
    row = sentence_rows(i18n, part_with_rejected_tries())[0]
    mark, chosen, rejected = row[2], row[4], row[5]
    assert mark.startswith(LISTEN_MARK) and "👂" not in mark
    assert chosen == ("第 3 次" if i18n is ZH else "try 3")
    hovers, shown = zip(*re.findall(r'<span title="([^"]*)"[^>]*>(.*?)</span>', rejected))
    assert f"</span>{separator}<span" in rejected and len(shown) == 2  # the chosen try has no reasons to show
    assert shown[0].startswith("第 1 次" if i18n is ZH else "try 1") and "2.1–3.4" in hovers[0]  # numbers on hover
    assert shown[1].startswith("第 2 次" if i18n is ZH else "try 2")


def test_tries_are_named_by_their_order_and_the_seed_is_in_the_details():
    part = part_with_rejected_tries()
    labels = [label for label, _ in take_choices(EN, part, 0)]
    assert [label.split(" · ")[0] for label in labels] == ["try 1", "try 2", "try 3"]
    assert not any("2049115138" in label for label in labels) and labels[2].endswith("✓")
    details = try_details(EN, 1, part.sentences[0].tries[0], part.normal_rate)
    assert "seed 2049115138" in details and "5.5 chars/s where this voice speaks 2.1–3.4" in details
