"""Every event handler and API function of the page is guarded: a failure reaches the page as a readable
gr.Error in the page's language, never as a raw exception."""
import gradio as gr
import pytest

import webui_ras
from ras.library import roles
from ras.settings import Settings


@pytest.fixture(scope="module")
def app_and_ctx(tmp_path_factory):
    ctx = webui_ras.make_context(Settings(roles_dir=tmp_path_factory.mktemp("guarded") / "roles"))
    return webui_ras.build_app(ctx), ctx


def test_every_handler_and_api_function_runs_through_ui_action(app_and_ctx):
    app, _ = app_and_ctx
    unguarded = sorted({fn.name for fn in app.fns.values() if fn.fn is not None and not hasattr(fn.fn, "ui_action")})
    assert not unguarded


def handlers_reached_without_a_click(app, role_picker) -> list:
    """Handlers that run when a role is picked or the page opens, and take the picked role."""
    reached = []
    for fn in app.fns.values():
        events = {(getattr(target[0], "_id", target[0]), target[1]) for target in fn.targets}
        on_pick = (role_picker._id, "change") in events or any(event == "load" for _, event in events)
        if fn.fn is not None and on_pick:  # one event runs every tab's own handler (tabs/page_events)
            reached += [one for one in getattr(fn.fn, "listeners", [fn])
                        if any(block is role_picker for block in one.inputs)]
    return reached


def test_a_deleted_role_reaching_refresh_and_pick_handlers_gives_a_readable_error(app_and_ctx):
    app, ctx = app_and_ctx
    roles.create_role(ws=ctx.ws, category="已删", name="角色")
    roles.delete_role(ws=ctx.ws, role="已删-角色")  # e.g. deleted in another browser tab
    role_picker = next(b for b in app.blocks.values() if getattr(b, "elem_id", None) == "header_role")
    reached = handlers_reached_without_a_click(app, role_picker)
    assert len(reached) >= 8  # every tab that lists something of the role
    errors = []
    for fn in reached:
        args = ["已删-角色" if block is role_picker else getattr(block, "value", None) for block in fn.inputs]
        try:
            fn.fn(*args)
        except gr.Error as exc:
            errors.append(exc.message)
    assert errors, "no handler noticed that the role is gone"
    for message in errors:
        assert "已删-角色" in message and "does not exist" in message  # names the role and says it is gone
        assert "Traceback" not in message and "失败: " in message  # the action's name in the page language first
