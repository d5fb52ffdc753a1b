"""Sentence splitting per GPT-SoVITS cut method (cut0-cut5), Chinese and English, with paragraphs."""
from __future__ import annotations

import pytest

from ras.long_text.sentences import detect_lang, split_sentences

EN = ("The train slowed. Nobody had used this line for years, yet the platform was clean. "
      "She stepped down. It was 3.5 degrees! Then she smiled")
ZH = ("夜深了，城市的灯光一盏一盏熄灭。她站在窗前，看着远处的街道。那时候，他们还很年轻。"
      "可是后来，每个人都走上了不同的路。")


def test_cut0_keeps_the_whole_text_but_breaks_at_paragraphs():
    assert split_sentences(EN, "cut0", "en") == [EN]
    assert split_sentences("First paragraph here.\n\nSecond paragraph here.", "cut0", "en") == [
        "First paragraph here.", "Second paragraph here."]


def test_cut1_groups_four_sentences_and_the_last_group_absorbs_the_rest():
    # commas count as sentence ends, and a first chunk under 4 characters ("夜深了") gets a leading
    # stop that counts as a sentence: both as in GPT-SoVITS
    assert split_sentences(ZH, "cut1", "zh") == [
        "夜深了，城市的灯光一盏一盏熄灭。她站在窗前，",
        "看着远处的街道。那时候，他们还很年轻。可是后来，每个人都走上了不同的路。"]
    four = "One is here. Two is here. Three is here. Four is here."
    assert split_sentences(four, "cut1", "en") == [four]
    eight = " ".join(f"Sentence number {i} ends." for i in range(8))
    assert len(split_sentences(eight, "cut1", "en")) == 1  # [0:4] then [4:] -> GPT-SoVITS keeps one group
    tail = split_sentences(" ".join(f"Sentence number {i} ends." for i in range(5)) + " Then she smiled", "cut1", "en")
    assert tail[-1].endswith("Then she smiled")  # the stop added for grouping is not shown
    nine = " ".join(f"Sentence number {i} ends." for i in range(9))
    assert [s.count("ends.") for s in split_sentences(nine, "cut1", "en")] == [4, 5]


def test_cut2_gathers_about_fifty_characters():
    pieces = split_sentences(ZH * 3, "cut2", "zh")
    assert len(pieces) > 1 and all(len(p) > 50 for p in pieces)
    assert "".join(pieces) == ZH * 3


def test_cut3_cuts_at_the_chinese_full_stop():
    assert split_sentences(ZH, "cut3", "zh") == [
        "夜深了，城市的灯光一盏一盏熄灭。", "她站在窗前，看着远处的街道。", "那时候，他们还很年轻。",
        "可是后来，每个人都走上了不同的路。"]
    assert split_sentences(EN, "cut3", "en") == [EN]


def test_cut4_cuts_at_english_full_stops_but_not_inside_numbers():
    assert split_sentences(EN, "cut4", "en") == [
        "The train slowed.", "Nobody had used this line for years, yet the platform was clean.",
        "She stepped down.", "It was 3.5 degrees! Then she smiled"]


def test_cut5_cuts_at_every_punctuation_mark_and_merges_short_pieces():
    assert split_sentences(EN, "cut5", "en") == [
        "The train slowed.", "Nobody had used this line for years,", "yet the platform was clean.",
        "She stepped down.", "It was 3.5 degrees!", "Then she smiled"]
    # "那时候，" has 4 characters: GPT-SoVITS merges pieces under 5 into the next
    assert "那时候，他们还很年轻。" in split_sentences(ZH, "cut5", "zh")


def test_paragraphs_end_segments_for_every_method():
    text = "第一段的第一句话。第一段的第二句话。\n第二段只有这一句话。"
    for method in ("cut0", "cut1", "cut2", "cut3", "cut5"):
        pieces = split_sentences(text, method, "zh")
        assert pieces[-1].endswith("第二段只有这一句话。"), (method, pieces)
        assert all("\n" not in p for p in pieces)


def test_punctuation_only_and_empty_text_make_no_sentences():
    assert split_sentences("", "cut5") == []
    assert split_sentences("。。。！", "cut1") == []
    with pytest.raises(ValueError, match="cut9"):
        split_sentences("text", "cut9")


def test_language_is_detected_from_the_script():
    assert detect_lang(ZH) == "zh"
    assert detect_lang(EN) == "en"
    assert detect_lang("雨が静かに降り続いていた。") == "ja"
    assert detect_lang("안녕하세요") == "ko"
