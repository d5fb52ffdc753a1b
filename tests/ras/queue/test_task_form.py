"""The task form becomes the spec the user typed, and a stored task fills the form back."""
import pytest

from ras.queue.task_form import TaskForm, form_from_spec, spec_from_form
from ras.queue.task_spec import SpecError, expand_spec

BASE = {"top_k": 15, "top_p": 1, "temperature": 1, "repetition_penalty": 1.35, "speed": 1,
        "text_split_method": "cut1", "seed": 7.0, "batch_size": 1, "sample_steps": 32, "super_sampling": False}
VALUE_PARAMS = ("top_k", "top_p", "temperature", "repetition_penalty", "text_split_method", "speed", "seed",
                "aux_refs")


def top_k_form(**changes) -> TaskForm:
    fields = dict(name="我的 top_k 对比", clip_ids=[1, 2], text_ids=[3], base=BASE, variables=["top_k"],
                  value_texts={"top_k": "5,15,30"})
    return TaskForm(**{**fields, **changes})


def test_the_typed_task_name_and_values_reach_the_spec():
    for supported in (set(), {"sample_steps", "super_sampling"}):  # a v2 install, then a v3/v4 one
        spec = spec_from_form(top_k_form(), supported)
        assert spec["name"] == "我的 top_k 对比"
        assert spec["clip_ids"] == [1, 2] and spec["text_ids"] == [3]
        assert spec["vary"] == {"top_k": [5, 15, 30]} and spec["base"]["seed"] == 7
        assert ("sample_steps" in spec["base"]) == bool(supported)
        assert expand_spec(spec).job_count == 3 * 2 * 1


def test_ranges_and_fusion_groups_are_read_from_their_texts():
    form = top_k_form(variables=["temperature", "aux_refs"],
                      value_texts={"temperature": "0.5:0.7:0.1", "aux_refs": "3,4；5;6，7".replace("；", ";")})
    spec = spec_from_form(form)
    assert spec["vary"] == {"temperature": [0.5, 0.6, 0.7], "aux_refs": [[3, 4], [5], [6, 7]]}


def test_a_bad_value_text_names_the_parameter():
    with pytest.raises(SpecError, match="top_k"):
        spec_from_form(top_k_form(value_texts={"top_k": "5,many"}))


def test_a_stored_task_fills_the_form_that_makes_it_again():
    form = top_k_form(gpt="a.ckpt", variables=["top_k", "aux_refs", "sovits"],
                      value_texts={"top_k": "5,30", "aux_refs": "3,4;5"}, vary_sovits=["s1.pth", "s2.pth"],
                      combine="grid")
    spec = spec_from_form(form)
    loaded = form_from_spec(spec, base_defaults=BASE, value_params=VALUE_PARAMS)
    assert loaded.name == "我的 top_k 对比 (2)"
    assert loaded.value_texts["top_k"] == "5,30" and loaded.value_texts["aux_refs"] == "3,4;5"
    assert loaded.vary_sovits == ["s1.pth", "s2.pth"] and loaded.gpt == "a.ckpt" and loaded.combine == "grid"
    again = spec_from_form(loaded)
    assert {**again, "name": spec["name"]} == spec
