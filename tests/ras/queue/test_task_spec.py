import pytest

from ras.queue.task_spec import SpecError, expand_spec, parse_values


def test_each_varies_one_parameter_at_a_time_from_the_base():
    spec = {"clip_ids": [1, 2], "text_ids": [7], "base": {"top_k": 15, "temperature": 1.0},
            "vary": {"top_k": [5, 15], "temperature": [0.6, 1.0]}, "combine": "each"}
    expanded = expand_spec(spec)
    assert expanded.param_sets == [{"top_k": 5, "temperature": 1.0}, {"top_k": 15, "temperature": 1.0},
                                   {"top_k": 15, "temperature": 0.6}]  # the base set appears once
    assert expanded.job_count == 3 * 2 * 1


def test_grid_is_the_cartesian_product():
    spec = {"clip_ids": [1], "text_ids": [1, 2], "combine": "grid",
            "vary": {"top_k": [5, 10, 15], "top_p": [0.8, 1.0], "speed": [0.9, 1.1]}}
    expanded = expand_spec(spec)
    assert len(expanded.param_sets) == 12 and expanded.job_count == 24
    assert {"top_k": 10, "top_p": 0.8, "speed": 1.1} in expanded.param_sets


@pytest.mark.parametrize("text, param, values", [
    ("5, 10，20", "top_k", [5, 10, 20]),
    ("0.5:1:0.1", "top_p", [0.5, 0.6, 0.7, 0.8, 0.9, 1.0]),
    ("1:10:3", "top_k", [1, 4, 7, 10]),
    ("cut0,cut5", "text_split_method", ["cut0", "cut5"]),
])
def test_lists_and_ranges(text, param, values):
    assert parse_values(text, param) == values


def test_ranges_as_objects_and_aux_ref_groups():
    expanded = expand_spec({"clip_ids": [1], "text_ids": [1],
                            "vary": {"temperature": {"start": 0.6, "stop": 1.0, "step": 0.2},
                                     "aux_refs": [[2, 3], [4]]}})
    assert [p.get("temperature") for p in expanded.param_sets[:3]] == [0.6, 0.8, 1.0]
    assert [p.get("aux_refs") for p in expanded.param_sets[3:]] == [[2, 3], [4]]


@pytest.mark.parametrize("spec, message", [
    ({"vary": {"top_q": [1]}}, "unknown parameter"),
    ({"vary": {"top_k": [0]}}, "top_k"),
    ({"vary": {"top_p": [1.5]}}, "top_p"),
    ({"vary": {"speed": [3]}}, "speed"),
    ({"vary": {"text_split_method": ["cut9"]}}, "text_split_method"),
    ({"vary": {"top_k": []}}, "no values"),
    ({"vary": {"top_k": "1:5:0"}}, "step"),
    ({"vary": {"top_k": [2.5]}}, "not a valid int"),
    ({"combine": "zip"}, "combine"),
    ({"clip_ids": "1,2"}, "list"),
])
def test_bad_specs_name_the_problem(spec, message):
    with pytest.raises(SpecError, match=message):
        expand_spec({"clip_ids": [1], "text_ids": [1], **spec})
