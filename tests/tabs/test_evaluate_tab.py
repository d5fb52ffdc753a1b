"""The evaluate tab's handlers: a page of results in slots, a score saved by the slot's result, the keep
button filling the products form, and the comparison by variable."""
import pytest

from ras import results
from tabs import evaluate
from tests.fixtures.done_task import done_task
from tests.fixtures.ui import build_tab, product_form


@pytest.fixture
def ctx_tab_task(ui_ctx, tmp_path):
    return ui_ctx, build_tab(evaluate, ui_ctx), done_task(ui_ctx.ws, tmp_path, failed=(6,))


def show(ctx, tab, finished, **changes):
    chosen = {"role": finished.role, "task_id": finished.task_id, "sort": "duration", "param_set_ids": [],
              "text": "", "scored": "all", "page_no": 1, **changes}
    return evaluate.show(ctx, tab, **chosen)


def test_a_page_of_results_fills_one_slot_each_and_hides_the_rest(ctx_tab_task):
    ctx, tab, finished = ctx_tab_task
    shown = show(ctx, tab, finished)
    assert "共 6 条结果" in shown[tab.summary]
    visible = [slot for slot in tab.slots if shown[slot.box]["visible"]]
    assert len(visible) == 6 and [shown[slot.result_id] for slot in visible][:5] == finished.job_ids[:5]
    failed = visible[-1]  # sorted by duration: the failed job has none and comes last
    assert "EngineHung" in shown[failed.info] and shown[failed.keep]["visible"] is False
    assert shown[visible[0].audio].endswith(".wav") and shown[visible[0].ref_audio].endswith(".wav")
    assert shown[tab.slots[6].result_id] is None


def test_a_score_is_stored_for_the_slot_s_result(ctx_tab_task):
    ctx, tab, finished = ctx_tab_task
    slot_result = finished.job_ids[2]
    evaluate.save_score(ctx, tab.slots[2], role=finished.role, result_id=slot_result, score="4", note="warm")
    stored = results.get_result(ws=ctx.ws, role=finished.role, result_id=slot_result)
    assert (stored.score, stored.note) == (4, "warm")
    shown = show(ctx, tab, finished, scored="scored")
    assert [shown[slot.result_id] for slot in tab.slots if shown[slot.box]["visible"]] == [slot_result]


def test_keep_fills_the_products_form_and_opens_it(ctx_tab_task, ui_ctx):
    ctx, tab, finished = ctx_tab_task
    form = product_form()
    kept = evaluate.keep(ctx, form, role=finished.role, result_id=finished.job_ids[0], note="calm")
    assert kept[form.result_id] == finished.job_ids[0] and kept[form.note] == "calm"
    assert kept[form.name] == f"{finished.role}-{finished.job_ids[0]}"


def test_compare_by_variable_lists_each_value_with_its_means(ctx_tab_task):
    ctx, tab, finished = ctx_tab_task
    compared = evaluate.compare(ctx, tab, role=finished.role, task_id=finished.task_id, by="param_set")
    assert [row[0] for row in compared[tab.compare_table]] == ["top_k=5", "top_k=10", "top_k=15"]
    assert [row[1] for row in compared[tab.compare_table]] == [2, 2, 1]  # top_k=15's second take failed
    assert "至少需要评分" in compared[tab.agreement]
