
import pytest

from ras.library.listfile import candidate_paths, decode_list_bytes, parse_list, read_list_text, resolve_audio


def test_bom_crlf_blank_lines_and_upper_case_codes(tmp_path):
    raw = "\ufeffa.wav|spk|ZH|你好\r\n\r\nb.wav|spk|En|hello\r\n   \r\nc.wav|spk|JP|こんにちは\r\n"
    (tmp_path / "x.list").write_bytes(raw.encode("utf-8"))
    entries, errors = parse_list(read_list_text(tmp_path / "x.list"))
    assert errors == []
    assert [(e.line, e.audio, e.lang) for e in entries] == [(1, "a.wav", "zh"), (3, "b.wav", "en"), (5, "c.wav", "ja")]


def test_bad_lines_are_reported_with_their_number_and_reason():
    content = "a.wav|spk|zh|好\nonly|two\na.wav|spk|klingon|text\na.wav|spk|en|\n|spk|en|no path\n"
    entries, errors = parse_list(content)
    assert [e.line for e in entries] == [1]
    reasons = {e.line: e.reason for e in errors}
    assert "2 field" in reasons[2]
    assert "klingon" in reasons[3]
    assert "empty text" in reasons[4]
    assert "empty audio path" in reasons[5]


def test_text_may_contain_the_separator():
    entries, _ = parse_list("a.wav|spk|en|left | right\n")
    assert entries[0].text == "left | right"


def test_gbk_list_is_read(tmp_path):
    path = tmp_path / "gbk.list"
    path.write_bytes("a.wav|说话人|zh|中文文本\n".encode("gbk"))
    entries, _ = parse_list(read_list_text(path))
    assert entries[0].speaker == "说话人"


def test_windows_paths_resolve_by_their_tail(tmp_path):
    (tmp_path / "slicer_opt").mkdir()
    (tmp_path / "slicer_opt" / "a.wav").write_bytes(b"x")
    found = resolve_audio(r"D:\GPT-SoVITS\output\slicer_opt\a.wav", list_dir=tmp_path, gsv_root=None)
    assert found == tmp_path / "slicer_opt" / "a.wav"


def test_relative_to_gsv_root_and_to_list(tmp_path):
    root, lists = tmp_path / "gsv", tmp_path / "lists"
    (root / "output").mkdir(parents=True)
    lists.mkdir()
    (root / "output" / "b.wav").write_bytes(b"x")
    (lists / "c.wav").write_bytes(b"x")
    assert resolve_audio("output/b.wav", list_dir=lists, gsv_root=root) == root / "output" / "b.wav"
    assert resolve_audio("c.wav", list_dir=lists, gsv_root=root) == lists / "c.wav"
    assert resolve_audio("nope.wav", list_dir=lists, gsv_root=root) is None


def test_literal_absolute_path_is_tried_first(tmp_path):
    target = tmp_path / "abs.wav"
    target.write_bytes(b"x")
    assert candidate_paths(str(target), list_dir=tmp_path / "elsewhere", gsv_root=None)[0] == target


def test_locale_style_codes_are_understood():
    from ras.languages import normalize_lang

    assert [normalize_lang(c) for c in ("ZH-CN", "en_US", "ja-JP", "ko-KR", "zh-HK", "All_Zh")] == \
        ["zh", "en", "ja", "ko", "yue", "all_zh"]
    assert normalize_lang("fr") is None


def test_lists_mixing_utf8_and_gbk_lines_read_each_line_right():
    raw = "a.wav|s|zh|第一行 UTF-8\n".encode() + "b.wav|s|zh|第二行 GBK\n".encode("gbk")
    entries, errors = parse_list(decode_list_bytes(raw))
    assert [e.text for e in entries] == ["第一行 UTF-8", "第二行 GBK"] and errors == []


def test_notepad_unicode_is_read_and_empty_or_binary_files_are_refused():
    utf16 = b"\xff\xfe" + "a.wav|s|en|hello\n".encode("utf-16-le")
    assert parse_list(decode_list_bytes(utf16))[0][0].text == "hello"
    for raw, message in ((b"", "is empty"), (b" \r\n\n", "is empty"), (bytes(range(256)) * 16, "binary data"),
                         (b"RIFF\x00\x00\x00\x00WAVEfmt \x10\x00\x00\x00" * 50, "binary data")):
        with pytest.raises(ValueError, match=message):
            decode_list_bytes(raw)


def test_a_line_with_a_nul_byte_is_reported_with_its_reason():
    entries, errors = parse_list("a.wav|s|en|fine\nb.wav|s|en|bro\x00ken\n")
    assert [e.line for e in entries] == [1]
    assert errors[0].line == 2 and "NUL" in errors[0].reason
