import pytest

from ras.metrics.rate import base_language, chars_per_second, count_units, duration_deviation, rate_bounds, unit_name


@pytest.mark.parametrize("text, units", [
    ("Hello, world! It's fine.", 4),
    ("你好，世界。", 4),
    ("今日は、いい天気ですね。", 10),
    ("안녕하세요, 반갑습니다.", 10),
    ("我爱 Python 和 GPT-SoVITS!", 6),
    ("……，。！？", 0),
])
def test_count_units(text, units):
    assert count_units(text) == units


@pytest.mark.parametrize("lang, unit", [("en", "words"), ("ko", "syllables"), ("all_ko", "syllables"),
                                        ("zh", "chars"), ("all_ja", "chars"), ("yue", "chars"), ("auto", "chars")])
def test_unit_name(lang, unit):
    assert unit_name(lang) == unit


def test_base_language():
    assert base_language("all_zh") == "zh" and base_language("auto_yue") == "yue" and base_language("EN") == "en"


def test_chars_per_second():
    assert chars_per_second("你好世界", 2.0) == 2.0
    assert chars_per_second("", 2.0) is None
    assert chars_per_second("words here", 0.0) is None


def test_rate_bounds_guess_the_script_for_auto():
    assert rate_bounds("auto", "你好") == rate_bounds("zh")
    assert rate_bounds("auto", "hello") == rate_bounds("en")


def test_duration_deviation_from_the_median():
    assert duration_deviation([2.0, 4.0, 4.0, 8.0]) == [-0.5, 0.0, 0.0, 1.0]
    assert duration_deviation([None, 3.0]) == [None, 0.0]
    assert duration_deviation([]) == []
