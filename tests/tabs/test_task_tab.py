"""The task tab's handlers read and fill the form by component: a stored task loads back, and the loaded
form counts and creates its copy; a running task is not deleted, and the message says what to do."""
import gradio as gr
import numpy as np
import pytest
import soundfile

from ras.library import clips, importer, roles, texts
from ras.queue import tasks
from ras.store.role_tables import Task
from tabs import task as task_tab
from tabs.common import bind
from tests.fixtures.ui import build_tab


@pytest.fixture
def role_with_task(ui_ctx, tmp_path):
    role = roles.create_role(ws=ui_ctx.ws, category="任务", name="表单")
    rng = np.random.default_rng(3)
    for i in range(2):
        soundfile.write(tmp_path / f"t{i}.wav", rng.normal(0, 0.1, 32000 * (4 + i)).astype(np.float32), 32000)
    (tmp_path / "t.list").write_text("t0.wav|spk|zh|第一条\nt1.wav|spk|zh|第二条\n", encoding="utf-8")
    importer.import_list(ws=ui_ctx.ws, role=role, list_path=tmp_path / "t.list", copy_audio=True)
    clip_ids = [c.id for c in clips.list_clips(ws=ui_ctx.ws, role=role).clips]
    text_id = texts.add_text(ws=ui_ctx.ws, content="表单测试的短句。", lang="zh", category="short")
    task_id = tasks.create_task(ws=ui_ctx.ws, role=role, spec={
        "name": "原任务", "clip_ids": clip_ids, "text_ids": [text_id], "vary": {"top_k": [5, 20, 30]},
        "base": {"seed": 3}, "combine": "each"}).task_id
    return ui_ctx, build_tab(task_tab, ui_ctx), role, task_id, clip_ids


def test_a_loaded_task_fills_the_form_that_counts_and_creates_its_copy(role_with_task):
    ctx, tab, role, task_id, clip_ids = role_with_task
    filled = task_tab.load_spec(ctx, tab, role=role, task_id=task_id)  # component -> value
    by_id = {component.elem_id: value for component, value in filled.items()}
    assert by_id["task_name"] == "原任务 (2)" and by_id["task_values_top_k"] == "5,20,30"
    assert by_id["task_seed"] == 3 and by_id["task_clips"] == clip_ids and by_id["task_variables"] == ["top_k"]

    form = {name: filled[component] for name, component in task_tab.form_inputs(tab).items()}
    summary = task_tab.estimate(ctx, tab, role=role, **form)[tab.summary]
    assert "**6**" in summary  # 3 top_k values x 2 clips x 1 text
    created = task_tab.create(ctx, tab, role=role, **form)
    new_id = created[tab.task_id]
    assert new_id != task_id and "原任务 (2)" in [row[1] for row in created[tab.task_table]]
    assert f"#{new_id}" in created[tab.summary]
    assert tasks.task_spec(ws=ctx.ws, role=role, task_id=new_id)["vary"] == {"top_k": [5, 20, 30]}


def test_a_running_task_is_not_deleted_and_the_page_says_to_cancel_it_first(role_with_task):
    ctx, tab, role, task_id, _ = role_with_task
    with ctx.ws.role_session(role) as session:
        row = session.get(Task, task_id)
        row.state = "running"
        session.add(row)
        session.commit()
    with pytest.raises(gr.Error, match=f"删除失败: task {task_id} is running; cancel it"):
        bind(ctx, task_tab.delete, tab, ["role", "task_id"])(role, task_id)
    assert [row[0] for row in task_tab.task_rows(ctx, role)] == [task_id]  # still there


def test_a_role_switch_lists_the_new_role_s_clips_and_tasks(role_with_task):
    ctx, tab, role, task_id, clip_ids = role_with_task
    other = roles.create_role(ws=ctx.ws, category="任务", name="空的")
    shown = task_tab.on_role(ctx, tab, role=other)
    assert shown[tab.task_table] == [] and shown[tab.clips]["choices"] == []
    shown = task_tab.on_role(ctx, tab, role=role)
    assert [row[0] for row in shown[tab.task_table]] == [task_id]
    assert [value for _, value in shown[tab.clips]["choices"]] == clip_ids
