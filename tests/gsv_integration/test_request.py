import json

import pytest

from gsv_integration.request import TEXT_SPLIT_CODES, TEXT_SPLIT_METHODS, SynthesisRequest, SynthesisResult


def make(**changes) -> SynthesisRequest:
    fields = dict(text="Hello there.", text_lang="en", ref_audio_path="/x/ref.wav",
                  prompt_text="A prompt.", prompt_lang="en")
    fields.update(changes)
    return SynthesisRequest(**fields)


def test_defaults_follow_gpt_sovits():
    request = make().validate()
    assert (request.top_k, request.top_p, request.temperature) == (15, 1.0, 1.0)
    assert request.repetition_penalty == 1.35
    assert request.text_split_method == "cut1"
    assert (request.speed_factor, request.seed, request.batch_size) == (1.0, -1, 1)
    assert (request.sample_steps, request.super_sampling) == (32, False)


@pytest.mark.parametrize("field, value", [
    ("text", "  "), ("text_lang", "xx"), ("prompt_lang", ""), ("ref_audio_path", ""),
    ("aux_ref_audio_paths", "a.wav"), ("top_k", 0), ("top_k", 101), ("top_k", 1.5),
    ("top_p", 1.01), ("temperature", 0), ("temperature", 2.5), ("speed_factor", 0.5),
    ("speed_factor", 1.7), ("seed", -2), ("seed", True), ("batch_size", 0),
    ("text_split_method", "cut9"), ("super_sampling", "yes"), ("gpt_weights", None),
])
def test_validate_names_the_bad_field(field, value):
    with pytest.raises(ValueError, match=rf"SynthesisRequest\.{field}="):
        make(**{field: value}).validate()


def test_json_round_trip_keeps_every_field():
    request = make(aux_ref_audio_paths=["/a.wav", "/b.wav"], top_k=5, top_p=0.8, temperature=1.5,
                   text_split_method="cut5", speed_factor=1.2, seed=42, batch_size=2,
                   gpt_weights="g.ckpt", sovits_weights="s.pth", super_sampling=True)
    text = request.to_json()
    assert json.loads(text)["aux_ref_audio_paths"] == ["/a.wav", "/b.wav"]
    assert SynthesisRequest.from_json(text) == request


def test_from_json_rejects_unknown_and_invalid_fields():
    with pytest.raises(ValueError, match="unknown field.*colour"):
        SynthesisRequest.from_dict({**make().to_dict(), "colour": "red"})
    with pytest.raises(ValueError, match="top_k"):
        SynthesisRequest.from_json(make(top_k=500).to_json())


def test_tts_inputs_use_upstream_keys():
    inputs = make(text_lang="EN", aux_ref_audio_paths=["/a.wav"], seed=7).to_tts_inputs()
    for key in ("text", "text_lang", "ref_audio_path", "aux_ref_audio_paths", "prompt_text",
                "prompt_lang", "top_k", "top_p", "temperature", "text_split_method",
                "batch_size", "speed_factor", "seed", "repetition_penalty", "sample_steps",
                "super_sampling", "parallel_infer", "split_bucket", "return_fragment"):
        assert key in inputs, key
    assert inputs["text_lang"] == "en"  # GPT-SoVITS compares lower-case codes
    assert "gpt_weights" not in inputs and "sovits_weights" not in inputs
    assert inputs["aux_ref_audio_paths"] == ["/a.wav"] and inputs["seed"] == 7


def test_text_split_methods_are_gpt_sovits_codes_with_labels():
    assert TEXT_SPLIT_CODES == ("cut0", "cut1", "cut2", "cut3", "cut4", "cut5")
    assert dict(TEXT_SPLIT_METHODS)["cut1"] == "凑四句一切"
    assert dict(TEXT_SPLIT_METHODS)["cut5"] == "按标点符号切"


def test_result_duration():
    result = SynthesisResult(wav_path="a.wav", sample_rate=32000, num_samples=48000)
    assert result.duration == 1.5
    assert result.to_dict()["duration"] == 1.5
