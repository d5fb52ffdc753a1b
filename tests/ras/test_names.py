import pytest

from ras.names import InvalidRoleName, make_role_name, validate_role_name


@pytest.mark.parametrize("name", ["男性-张三", "女性-さくら", "여성-지민", "narrator-Bob_2", "a" * 100])
def test_accepts_real_names(name):
    assert validate_role_name(name) == name


@pytest.mark.parametrize("name, rule", [
    ("../evil", "dot"), ("a/b", "/"), ("a\\b", "\\"), ("x|y", "|"), ("a:b", ":"), ("a*", "*"), ('a"b', '"'),
    ("CON", "reserved"), ("nul.txt", "reserved"), ("COM1", "reserved"), (" lead", "space"), ("trail ", "space"),
    ("trail.", "dot"), (".hidden", "dot"), ("a..b", ".."), ("a" * 101, "at most 100"), ("", "empty"),
    ("tab\there", "control"),
])
def test_rejects_with_the_rule_named(name, rule):
    with pytest.raises(InvalidRoleName, match=rule if rule not in "|*\\" else None) as info:
        validate_role_name(name)
    assert rule in str(info.value)


def test_make_role_name_checks_each_part():
    assert make_role_name("男性", "张三") == "男性-张三"
    with pytest.raises(InvalidRoleName, match="category"):
        make_role_name("..", "x")
    with pytest.raises(InvalidRoleName, match="name"):
        make_role_name("male", "a/b")
