"""A role switch is one event that answers every tab, so is the page load, pickers refreshed with nothing
new to pick are not sent a value (the page would fire their change events for nothing), and what the page
does by itself shows no loading overlay (each overlay state costs the browser a walk of its whole component
tree per event)."""
import pytest

import webui_ras
from ras.library import importer, roles
from ras.settings import Settings
from tabs.page_events import listeners_of
from tests.fixtures.app import write_tone


@pytest.fixture(scope="module")
def app_and_ctx(tmp_path_factory):
    folder = tmp_path_factory.mktemp("page_events")
    ctx = webui_ras.make_context(Settings(roles_dir=folder / "roles"))
    role = roles.create_role(ws=ctx.ws, category="女性", name="切换")
    for i in range(3):
        write_tone(folder / f"c{i}.wav", 3.5 + i, seed=i)
    (folder / "c.list").write_text("".join(f"c{i}.wav|spk|zh|第{i}句\n" for i in range(3)), encoding="utf-8")
    importer.import_list(ws=ctx.ws, role=role, list_path=folder / "c.list")
    return webui_ras.build_app(ctx), ctx


def by_elem_id(app, elem_id):
    return next(b for b in app.blocks.values() if getattr(b, "elem_id", None) == elem_id)


def test_a_role_switch_is_one_event_answering_every_tab(app_and_ctx):
    app, _ = app_and_ctx
    role_picker = by_elem_id(app, "header_role")
    [merged] = listeners_of(app, role_picker, "change")
    values = ["女性-切换" if block is role_picker else block.value for block in merged.inputs]
    answer = merged.fn(*values)
    assert answer[by_elem_id(app, "clips_summary")] == "共 3 条"  # the roles tab's clip browser
    assert answer[by_elem_id(app, "split_clip")]["value"] == 3  # the split tab picks the longest clip
    assert len(answer[by_elem_id(app, "task_clips")]["choices"]) == 3  # the task tab lists the clips


def test_the_page_load_is_one_queued_event_beside_the_pages_language(app_and_ctx):
    app, _ = app_and_ctx
    loads = listeners_of(app, app, "load")
    queued = [fn for fn in loads if fn.queue is not False]
    assert len(queued) == 1 and len(queued[0].fn.listeners) >= 10  # every tab's own load handler, in turn
    assert [fn.fn.__name__ for fn in loads if fn.queue is False] == ["in_visitor_language"]
    role_picker = by_elem_id(app, "header_role")
    values = ["女性-切换" if block is role_picker else block.value for block in queued[0].inputs]
    answer = queued[0].fn(*values)
    assert answer[by_elem_id(app, "clips_summary")] == "共 3 条"


def test_a_switch_to_a_role_with_nothing_to_pick_sends_no_value_to_the_empty_pickers(app_and_ctx):
    app, ctx = app_and_ctx
    roles.create_role(ws=ctx.ws, category="女性", name="空的")
    role_picker = by_elem_id(app, "header_role")
    [merged] = listeners_of(app, role_picker, "change")
    shown = {by_elem_id(app, "task_clips")._id: [1, 2]}  # two clips were picked on the role left behind
    values = ["女性-空的" if block is role_picker else shown.get(block._id, block.value) for block in merged.inputs]
    answer = merged.fn(*values)
    assert answer[by_elem_id(app, "task_clips")]["value"] == []  # the picked clips go
    for elem_id in ("infer_task", "evaluate_task", "long_text_task", "ab_task", "finder_run", "checkpoint_run",
                    "products_product", "split_clip"):
        update = answer[by_elem_id(app, elem_id)]
        assert update["choices"] == [] and "value" not in update, elem_id  # empty before, empty now: not sent


def test_only_what_a_person_clicked_shows_a_loading_overlay(app_and_ctx):
    app, _ = app_and_ctx
    for fn in app.fns.values():
        events = {target[1] for target in fn.targets}
        if fn.fn is None or fn.tracks_progress:
            continue
        if events & {"load", "tick", "change"} and not events & {"click", "submit", "upload"}:
            assert fn.show_progress_on == [], (fn.name, events)
    clicked = [fn for fn in app.fns.values() if fn.fn is not None and {t[1] for t in fn.targets} == {"click"}]
    assert clicked and all(fn.show_progress_on is None for fn in clicked)
