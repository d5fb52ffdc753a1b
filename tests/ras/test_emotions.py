"""Emotion words: 【开心】, [happy] and a folder called 高兴 are one emotion; numbers and ordinary folders are none."""
import pytest

from ras.emotions import emotion_code, may_replace, split_emotion_tags, tag_in_file_name, tag_in_folder_name
from ras.errors import InputError


def test_the_words_users_write_map_to_one_code_and_other_words_are_kept():
    assert {emotion_code(w) for w in ("开心", "Happy", " joy ", "高兴")} == {"happy"}
    assert emotion_code("中立") == emotion_code("平静") == "neutral"
    assert emotion_code("激动") == "激动"  # a role's own emotion
    for bad in ("", "  ", "x" * 21, "[开心]"):
        with pytest.raises(InputError):
            emotion_code(bad)


def test_file_name_prefixes_carry_tags_and_numbers_do_not():
    assert tag_in_file_name("【开心】clip00") == "happy"
    assert tag_in_file_name("[sad] clip01") == "sad"
    assert tag_in_file_name("（生气）好的") == "angry"
    assert tag_in_file_name("【撒娇】来嘛") == "撒娇"
    assert tag_in_file_name("[001]clip") is None and tag_in_file_name("clip[happy]") is None
    assert tag_in_folder_name("难过") == "sad" and tag_in_folder_name("slicer_opt") is None


def test_a_persons_tag_is_never_replaced_and_the_model_only_fills_gaps():
    assert may_replace("", "model") and may_replace("model", "name") and may_replace("name", "group")
    assert not may_replace("person", "group") and not may_replace("name", "model")
    assert may_replace("person", "person")


def test_inline_tags_open_sentences_and_brackets_inside_a_sentence_are_text():
    assert split_emotion_tags("[开心]今天真好！(sad)可是下雨了。他说(小声)你好。\n【生气】走开") == [
        ("开心", "今天真好！"), ("sad", "可是下雨了。他说(小声)你好。"), ("生气", "走开")]
    assert split_emotion_tags("Plain. (happy) Great. It costs 3.5 (dollars).") == [
        (None, "Plain."), ("happy", "Great. It costs 3.5 (dollars).")]
    assert split_emotion_tags("[开心] [难过]好。") == [("难过", "好。")] and split_emotion_tags("[开心]") == []
    assert split_emotion_tags("没有标签。") == [(None, "没有标签。")]
