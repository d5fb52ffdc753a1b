"""The roles tab's handlers, called as plain functions: a role made, renamed, exported, imported and deleted
shows in the table and becomes (or stops being) the current role above the tabs."""
import gradio as gr
import pytest

from ras.library import roles
from tabs import roles as roles_tab
from tests.fixtures.ui import through_page


@pytest.fixture
def view(ui_ctx):
    with gr.Blocks():
        return roles_tab.RolesView(roles_tab.build(ui_ctx), gr.Dropdown())


def names_in(answer: dict, view) -> list[str]:
    return [row[0] for row in answer[view.tab.table]]


def test_a_new_role_is_listed_and_becomes_the_current_role(ui_ctx, view):
    answer = roles_tab.create(ui_ctx, view, category=" 男性 ", name="张三")
    assert names_in(answer, view) == ["男性-张三"]
    assert answer[view.role]["value"] == "男性-张三" and answer[view.role]["choices"] == ["男性-张三"]
    assert "已创建角色" in answer[view.tab.status]


def test_rename_then_delete_moves_the_picker(ui_ctx, view):
    roles.create_role(ws=ui_ctx.ws, category="女性", name="甲")
    roles.create_role(ws=ui_ctx.ws, category="女性", name="乙")
    renamed = roles_tab.rename(ui_ctx, view, role="女性-甲", new_name="女性-丙")
    assert names_in(renamed, view) == ["女性-丙", "女性-乙"] and renamed[view.role]["value"] == "女性-丙"

    with pytest.raises(gr.Error, match="请先勾选确认删除"):
        roles_tab.delete(ui_ctx, view, role="女性-丙", confirmed=False)
    deleted = roles_tab.delete(ui_ctx, view, role="女性-丙", confirmed=True)
    assert names_in(deleted, view) == ["女性-乙"] and deleted[view.role]["value"] == "女性-乙"
    assert deleted[view.tab.confirm_delete] is False  # the next delete asks again


def test_renaming_a_role_that_is_gone_names_it(ui_ctx, view):
    with pytest.raises(gr.Error) as failed:
        through_page(ui_ctx, roles_tab.rename, view, role="女性-无", new_name="女性-有")
    assert failed.value.message.startswith("重命名失败: role '女性-无' does not exist")


def test_an_exported_role_imports_under_a_new_name(ui_ctx, view):
    roles.create_role(ws=ui_ctx.ws, category="男性", name="原")
    archive = roles_tab.export(ui_ctx, view, role="男性-原")[view.tab.archive_out]
    answer = roles_tab.import_archive(ui_ctx, view, archive=archive, name="男性-副本")
    assert names_in(answer, view) == ["男性-副本", "男性-原"] and answer[view.role]["value"] == "男性-副本"
    with pytest.raises(gr.Error, match="请先上传角色存档"):
        roles_tab.import_archive(ui_ctx, view, archive=None, name="")
