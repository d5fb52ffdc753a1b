"""A finder screening reason in the page's language: a speaking rate says what it counts in the clip's
language (characters of Chinese, words of English, syllables of Korean), with its numbers on hover."""
import pytest

from i18n import I18nAuto
from ras.finder.screen import ClipFacts, screen
from tabs.finder_words import reason_words

ZH, EN = I18nAuto("zh_CN"), I18nAuto("en_US")


def implausible(text: str, lang: str):
    """The implausible_text reason of a clip that says `text` in 4 s of speech."""
    row = screen([ClipFacts(clip_id=1, duration=5.0, text=text, lang=lang, speech_span=4.0, snr_db=40.0)])[0]
    return next(r for r in row.why if r.code == "implausible_text")


CHINESE = implausible("今天的湖面很安静，孩子们在桥上向我们挥手。" * 3, "zh")  # 57 characters
ENGLISH = implausible(" ".join(["the quiet river runs past the old mill"] * 5), "en")  # 40 words
KOREAN = implausible("오늘 호수는 아주 조용합니다 아이들이 다리 위에서 손을 흔듭니다" * 3, "ko")  # 81 syllables


@pytest.mark.parametrize("reason, words, detail", [
    (CHINESE, "文本比声音长：每秒要说 14.2 个字", "57 个字在 4 秒的语音里"),
    (ENGLISH, "文本比声音长：每秒要说 10 个词", "40 个词在 4 秒的语音里"),
    (KOREAN, "文本比声音长：每秒要说 20.2 个音节", "81 个音节在 4 秒的语音里"),
])
def test_a_chinese_page_counts_the_rate_in_the_clips_own_units(reason, words, detail):
    said, numbers = reason_words(ZH, reason)
    assert said.startswith(words) and numbers.startswith(detail)


@pytest.mark.parametrize("reason, words, detail", [
    (ENGLISH, "transcript too long for the audio: 10 words/s", "40 words in 4 s of speech"),
    (CHINESE, "transcript too long for the audio: 14.2 chars/s", "57 chars in 4 s of speech"),
])
def test_an_english_page_says_words_or_characters_a_second(reason, words, detail):
    said, numbers = reason_words(EN, reason)
    assert said.startswith(words) and numbers.startswith(detail)
    assert "units" not in said + numbers and not any("\u4e00" <= c <= "\u9fff" for c in said + numbers)


def test_a_clip_too_slow_for_its_text_says_so_in_its_units():
    said, _ = reason_words(ZH, implausible("你好。", "zh"))
    assert said.startswith("文本比声音短：每秒只有 0.5 个字")
