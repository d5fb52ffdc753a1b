"""Transcripts scored as the field scores TTS takes, on hand-written pairs."""
from __future__ import annotations

import pytest

from ras.metrics.text_compare import (
    EXTRA_WORDS,
    FAILING_ERROR_RATE,
    SWALLOWED,
    WRONG_WORDS,
    compare_texts,
    normalise,
    unit_for,
)

LONG_SENTENCE = "今天下午三点我们在学校门口集合然后一起坐车去博物馆参观新开的恐龙化石展览"


@pytest.mark.parametrize("reference, transcript", [
    ("你好，世界！", "你好世界"),  # full-width punctuation
    ("“你好”——世界……", "你好 世界"),
    ("ＡＩ模型１２３", "ai模型123"),  # full-width letters and digits
    ("這個軟體說話很清楚。", "这个软体说话很清楚"),  # traditional against simplified
    ("會議在二零二六年舉行", "会议在2026年举行"),
    ("会议在2026年举行", "会议在两千零二十六年举行"),
    ("增长了百分之五十", "增长了50%"),
    ("我有一个苹果", "我有1个苹果"),
])
def test_chinese_forms_that_say_the_same_words_are_no_error(reference, transcript):
    result = compare_texts(reference, transcript, "zh")
    assert result.errors == 0 and result.error_rate == 0.0 and result.failures == (), result
    assert result.unit == "char"


def test_a_swallowed_ending_is_told_apart_as_deletions():
    result = compare_texts("我们明天早上八点在公园门口见面", "我们明天早上八点在公园", "zh")
    assert (result.substitutions, result.deletions, result.insertions) == (0, 4, 0)
    assert result.reference_length == 15 and result.error_rate == round(4 / 15, 4)
    assert result.longest_wrong_run == 4
    assert result.failures == (SWALLOWED,)


def test_a_repeated_phrase_is_extra_words():
    result = compare_texts("我们去公园散步吧", "我们去公园我们去公园散步吧", "zh")
    assert result.ops() == {"sub": 0, "del": 0, "ins": 5}
    assert result.failures == (EXTRA_WORDS,)


def test_one_garbled_phrase_in_a_long_sentence_fails_though_its_rate_is_low():
    garbled = LONG_SENTENCE.replace("坐车去博物", "多尔拉卡特")
    result = compare_texts(LONG_SENTENCE, garbled, "zh")
    assert result.error_rate < FAILING_ERROR_RATE  # 5 of 37 characters
    assert result.longest_wrong_run == 5 and result.substitutions == 5
    assert result.failures == (WRONG_WORDS,)


def test_scattered_single_mishearings_in_a_long_sentence_pass():
    misheard = LONG_SENTENCE.replace("校", "笑").replace("车", "扯").replace("览", "蓝")
    result = compare_texts(LONG_SENTENCE, misheard, "zh")
    assert result.substitutions == 3 and result.longest_wrong_run == 1
    assert result.failures == ()


def test_a_take_saying_another_sentence_gets_wrong_words():
    result = compare_texts("今天天气很好", "明日有雨吗", "zh")
    assert result.error_rate >= FAILING_ERROR_RATE and WRONG_WORDS in result.failures


def test_english_is_scored_by_words_with_numbers_either_way():
    same = compare_texts("Your table for 4 is booked at 7:30 on May 2nd.",
                         "your table for four is booked at seven thirty on may second", "en")
    assert same.unit == "word" and same.errors == 0
    result = compare_texts("Please bring the green umbrella to the station tomorrow.",
                           "Please bring the umbrella to the station.", "en")
    assert result.reference_length == 9 and result.ops() == {"sub": 0, "del": 2, "ins": 0}
    assert result.error_rate == round(2 / 9, 4) and result.failures == ()
    cut = compare_texts("Please bring the green umbrella to the station tomorrow.", "Please bring the", "en")
    assert cut.failures == (SWALLOWED,) and cut.longest_wrong_run == 6
    contracted = compare_texts("Don't stop, it's fine.", "dont stop its fine", "en")
    assert contracted.errors == 0


def test_units_follow_the_language():
    assert unit_for("all_zh") == "char" and unit_for("yue") == "char" and unit_for("ja") == "char"
    assert unit_for("ko") == "char"  # Korean spacing varies between writers: syllables, spaces ignored
    assert unit_for("en") == "word"
    assert unit_for("auto", "今天天气很好") == "char" and unit_for("auto", "good morning") == "word"
    korean = compare_texts("오늘 날씨가 좋네요", "오늘날씨가 좋네요", "ko")
    assert korean.errors == 0


def test_empty_texts():
    assert compare_texts("", "", "zh").error_rate == 0.0
    nothing_heard = compare_texts("你好", "", "zh")
    assert nothing_heard.error_rate == 1.0 and nothing_heard.failures == (SWALLOWED,)
    assert compare_texts("。", "你好", "zh").error_rate == 1.0


def test_normalise_keeps_words_and_drops_punctuation():
    assert normalise("Hello,   World! ＡＢＣ", "en") == "hello world abc"
    assert normalise("後來，我們發現頭髮。", "zh") == "后来 我们发现头发"


def test_english_read_letter_by_letter_counts_letters_and_fails_only_on_a_long_run():
    text = "Please bring the green umbrella to the station tomorrow."
    misheard = compare_texts(text, "Please bring the green umbrella to the nation tomorrow.", "en", unit="letter")
    assert misheard.unit == "letter" and misheard.reference_length == 47  # letters, spaces and the stop left out
    assert misheard.errors == 2 and misheard.failures == ()  # station -> nation
    cut = compare_texts(text, "Please bring the green umbrella", "en", unit="letter")
    assert cut.longest_wrong_run == len("tothestationtomorrow") and cut.run_ops() == {"sub": 0, "del": 20, "ins": 0}
    assert cut.failures == (SWALLOWED,)
    with pytest.raises(ValueError, match="unknown comparison unit"):
        compare_texts(text, text, "en", unit="syllable")


def test_the_longest_run_keeps_its_own_edits():
    result = compare_texts(LONG_SENTENCE, LONG_SENTENCE.replace("坐车去博物", "") + "啊", "zh")
    assert result.ops() == {"sub": 0, "del": 5, "ins": 1} and result.run_ops() == {"sub": 0, "del": 5, "ins": 0}
