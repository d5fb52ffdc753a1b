"""The task form becomes the spec the user typed."""
import gradio as gr

import webui_ras
from ras.settings import Settings
from tabs import task
from tabs.task import spec_from_form


def test_the_typed_task_name_and_values_reach_the_spec(tmp_path):
    ctx = webui_ras.make_context(Settings(roles_dir=tmp_path / "roles"))
    with gr.Blocks():
        tab = task.build(ctx)
    base = {"top_k": 15, "top_p": 1, "temperature": 1, "repetition_penalty": 1.35, "speed": 1,
            "text_split_method": "cut1", "seed": 7, "batch_size": 1, "sample_steps": 32, "super_sampling": False}
    values = ("我的 top_k 对比", [1, 2], [3], "", "", *[base[k] for k in tab.base], ["top_k"],
              *["5,15,30" if k == "top_k" else "" for k in tab.values], [], [], "each")
    for supported in (set(), {"sample_steps", "super_sampling"}):  # a v2 install, then a v3/v4 one
        spec = spec_from_form(values, list(tab.base), list(tab.values), supported)
        assert spec["name"] == "我的 top_k 对比"
        assert spec["clip_ids"] == [1, 2] and spec["text_ids"] == [3]
        assert spec["vary"] == {"top_k": [5, 15, 30]} and spec["base"]["seed"] == 7
        assert ("sample_steps" in spec["base"]) == bool(supported)
