"""The infer tab's handlers: the progress of the picked task, the latest take in the player (replaced only
by a newer one), and a start without a task asks for one."""
import gradio as gr
import pytest

from tabs import infer
from tests.fixtures.done_task import done_task
from tests.fixtures.ui import build_tab


@pytest.fixture
def ctx_tab_task(ui_ctx, tmp_path):
    return ui_ctx, build_tab(infer, ui_ctx), done_task(ui_ctx.ws, tmp_path)


def test_the_progress_of_a_finished_task_and_its_last_take(ctx_tab_task):
    ctx, tab, finished = ctx_tab_task
    shown = infer.poll(ctx, tab, role=finished.role, task_id=finished.task_id, shown_job=None)
    assert "6/6" in shown[tab.progress]
    assert shown[tab.shown_job] in finished.job_ids and shown[tab.last_audio].endswith(".wav")
    again = infer.poll(ctx, tab, role=finished.role, task_id=finished.task_id, shown_job=shown[tab.shown_job])
    assert tab.last_audio not in again  # the player keeps playing what it holds


def test_no_task_picked_shows_nothing_and_a_start_asks_for_one(ctx_tab_task):
    ctx, tab, finished = ctx_tab_task
    assert infer.poll(ctx, tab, role=finished.role, task_id=None, shown_job=None)[tab.progress] == ""
    with pytest.raises(gr.Error, match="请先选择任务"):
        infer.run(ctx, tab, role=finished.role, task_id=None, shown_job=None)


def test_a_poll_for_a_task_of_the_role_left_behind_shows_nothing_instead_of_an_error(ctx_tab_task):
    ctx, tab, finished = ctx_tab_task
    shown = infer.poll(ctx, tab, role=finished.role, task_id=9999, shown_job=None)
    assert shown[tab.progress] == "" and shown[tab.details] == ""
