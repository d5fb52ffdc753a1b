import pytest

from gsv_integration.weights import NotAModelError, describe_weight, detect_capabilities, list_weights, locate_code_root


def test_list_weights_finds_tiny_models_with_versions(tiny_gsv):
    found = list_weights([tiny_gsv.root])
    assert [m["name"] for m in found["gpt"]] == ["GPT_weights_v2/tiny_a.ckpt",
                                                  "GPT_weights_v2/tiny_b.ckpt"]
    assert [m["name"] for m in found["sovits"]] == ["SoVITS_weights_v2/tiny_a.pth",
                                                     "SoVITS_weights_v2/tiny_b.pth"]
    assert {m["version"] for m in found["gpt"] + found["sovits"]} == {"v2"}
    assert found["gpt"][0]["file"] == str(tiny_gsv.gpt[0])
    assert found["invalid"] == []


def test_extra_folder_and_invalid_file_reported(tiny_gsv, tmp_path):
    (tmp_path / "broken.pth").write_bytes(b"this is not a model")
    (tmp_path / "mine.ckpt").write_bytes(tiny_gsv.gpt[1].read_bytes())
    found = list_weights([tiny_gsv.root, tmp_path])
    assert "mine.ckpt" in [m["name"] for m in found["gpt"]]
    assert [bad["file"] for bad in found["invalid"]] == [str(tmp_path / "broken.pth")]
    assert "broken.pth" in found["invalid"][0]["error"]


@pytest.mark.parametrize("header, version", [(b"00", "v1"), (b"01", "v2"), (b"05", "v2Pro"),
                                             (b"06", "v2ProPlus"), (b"04", "v4")])
def test_sovits_version_from_two_byte_header(tiny_gsv, tmp_path, header, version):
    path = tmp_path / "model.pth"
    path.write_bytes(header + tiny_gsv.sovits[0].read_bytes()[2:])
    assert describe_weight(path)["version"] == version
    assert describe_weight(path)["lora"] == (header == b"04")


def test_plain_zip_sovits_version_from_its_embedding(tiny_gsv, tmp_path):
    path = tmp_path / "plain.pth"  # saved by torch.save, as older GPT-SoVITS did
    path.write_bytes(b"PK" + tiny_gsv.sovits[0].read_bytes()[2:])
    assert describe_weight(path)["version"] == "v2"


@pytest.mark.parametrize("content", [b"", b"01 truncated", b"PK\x03\x04 broken zip", b"\x89PNG...."])
def test_not_a_model_names_the_file(tmp_path, content):
    path = tmp_path / "bad.pth"
    path.write_bytes(content)
    with pytest.raises(NotAModelError, match="bad.pth"):
        describe_weight(path)


def test_swapped_kind_and_missing_file_are_errors(tiny_gsv, tmp_path):
    with pytest.raises(NotAModelError, match="GPT"):
        describe_weight(tiny_gsv.sovits[0], kind="gpt")
    with pytest.raises(NotAModelError, match="does not exist"):
        describe_weight(tmp_path / "gone.ckpt")
    with pytest.raises(NotAModelError, match=r"\.ckpt"):
        describe_weight(tmp_path / "notes.txt")


def test_capabilities_read_from_installed_gpt_sovits(tiny_gsv):
    code_root = locate_code_root(tiny_gsv.root, tiny_gsv.python)
    caps = detect_capabilities(code_root, tiny_gsv.root)
    assert caps["found"] and set(caps["versions"]) == {"v1", "v2", "v2Pro", "v2ProPlus"}
    assert caps["parameters"]["sample_steps"] is False  # no v3/v4 in gpt-sovits-cpufast
    assert caps["parameters"]["repetition_penalty"] is True
    assert caps["text_split_methods"] == ["cut0", "cut1", "cut2", "cut3", "cut4", "cut5"]
    assert "en" in caps["languages"] and caps["api_v2"] is True


def test_capabilities_of_a_folder_without_gpt_sovits(tmp_path):
    assert locate_code_root(tmp_path) is None
    assert detect_capabilities(None)["found"] is False
    assert "TTS.py" in detect_capabilities(tmp_path)["error"]
