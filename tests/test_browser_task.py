"""The task form in a real browser: a stored task loads back into the form, which counts and creates its copy."""
from __future__ import annotations

import pytest
from gradio_client import handle_file

from tests.fixtures.app import write_tone
from tests.fixtures.browser import open_tab, wait_for_text

pytestmark = pytest.mark.browser


def test_a_loaded_task_is_counted_and_created_again(page, running_app, tmp_path):
    client = running_app.client()
    role = client.predict("任务", "表单", api_name="/create_role")["role"]
    for i in range(2):
        write_tone(tmp_path / f"t{i}.wav", 4 + i, seed=70 + i)
    listing = tmp_path / "task.list"
    listing.write_text(f"{tmp_path / 't0.wav'}|spk|zh|第一条参考\n{tmp_path / 't1.wav'}|spk|zh|第二条参考\n",
                       encoding="utf-8")  # absolute paths: the list itself is uploaded to a temp folder
    client.predict(role, handle_file(str(listing)), True, api_name="/import_list")
    clip_ids = [c["id"] for c in client.predict(role, api_name="/list_clips")["clips"]]
    assert len(clip_ids) == 2
    text_id = client.predict("表单测试的短句。", "zh", "short", api_name="/add_text")["id"]
    spec = {"name": "原任务", "clip_ids": clip_ids, "text_ids": [text_id], "vary": {"top_k": [5, 20, 30]},
            "base": {"seed": 3}}
    task_id = client.predict(role, spec, api_name="/create_task")["task_id"]

    page.goto(running_app.url)
    page.wait_for_selector("#header_role")
    open_tab(page, "task")
    page.fill("#task_task_id input", str(task_id))
    page.click("#task_load_spec")
    page.wait_for_function("() => document.querySelector('#task_name textarea, #task_name input')?.value"
                           " === '原任务 (2)'", timeout=120_000)
    assert page.input_value("#task_values_top_k textarea, #task_values_top_k input") == "5,20,30"
    assert page.input_value("#task_seed input") == "3"

    page.click("#task_estimate")
    wait_for_text(page, "#task_summary", "6")  # 3 top_k values x 2 clips x 1 text
    assert "作业数" in page.inner_text("#task_summary")
    page.click("#task_create")
    wait_for_text(page, "#task_summary", "已创建任务")
    wait_for_text(page, "#task_table", "原任务 (2)")
