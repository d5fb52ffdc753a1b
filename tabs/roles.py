"""Roles tab: create, list, rename and delete roles (category-name folders), export and import them."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from ras.library import backup, roles
from tabs.common import Page, UIContext, connect, connect_each, handles, require_role
from tabs.widgets import refreshed_roles, role_rows


@dataclass(frozen=True)
class RolesTab:
    category: gr.Textbox
    name: gr.Textbox
    create: gr.Button
    table: gr.Dataframe
    new_name: gr.Textbox
    rename: gr.Button
    confirm_delete: gr.Checkbox
    delete: gr.Button
    status: gr.Markdown
    export: gr.Button
    archive_out: gr.File
    archive_in: gr.File
    import_name: gr.Textbox
    import_archive: gr.Button


@dataclass(frozen=True)
class RolesView:
    """What the roles tab's handlers answer into: the tab, and the role picker above the tabs (a new,
    renamed or imported role becomes the current one)."""

    tab: RolesTab
    role: gr.Dropdown


def build(ctx: UIContext) -> RolesTab:
    i18n = ctx.i18n
    gr.Markdown(i18n("### 1. 新建角色"))
    with gr.Row():
        category = gr.Textbox(label=i18n("类别"), placeholder=i18n("例如：男性"), elem_id="roles_category")
        name = gr.Textbox(label=i18n("名称"), placeholder=i18n("例如：张三"), elem_id="roles_name")
        create = gr.Button(i18n("新建角色"), variant="primary", elem_id="roles_create")
    gr.Markdown(i18n("### 2. 角色列表"))
    table = gr.Dataframe(
        headers=[i18n("角色"), i18n("音频数")], value=role_rows(ctx), interactive=False, elem_id="roles_table",
    )
    gr.Markdown(i18n("### 3. 重命名或删除当前角色"))
    with gr.Row():
        new_name = gr.Textbox(label=i18n("新名称（分类-名称）"), elem_id="roles_new_name")
        rename = gr.Button(i18n("重命名"), elem_id="roles_rename")
    with gr.Row():
        confirm_delete = gr.Checkbox(label=i18n("确认删除当前角色的文件夹及其全部数据"), elem_id="roles_confirm_delete")
        delete = gr.Button(i18n("删除角色"), variant="stop", elem_id="roles_delete")
    gr.Markdown(i18n("### 4. 备份与迁移"))
    gr.Markdown(i18n("导出当前角色为一个 zip（数据库快照和全部音频），可在另一台电脑或另一个角色文件夹导入为新角色。"))
    with gr.Row():
        export = gr.Button(i18n("导出当前角色"), elem_id="roles_export")
        archive_out = gr.File(label=i18n("角色存档"), interactive=False, height=100, elem_id="roles_archive_out")
    with gr.Row():
        archive_in = gr.File(label=i18n("上传角色存档 (.zip)"), file_types=[".zip"], height=140,
                             elem_id="roles_archive_in")
        import_name = gr.Textbox(label=i18n("导入为（留空沿用存档中的名称）"), elem_id="roles_import_name")
        import_archive = gr.Button(i18n("导入角色存档"), elem_id="roles_import_archive")
    status = gr.Markdown(elem_id="roles_status")
    return RolesTab(category, name, create, table, new_name, rename, confirm_delete, delete, status, export,
                    archive_out, archive_in, import_name, import_archive)


def _role_made_current(ctx: UIContext, view: RolesView, role: str | None, message: str) -> dict:
    return {view.tab.table: role_rows(ctx), view.role: refreshed_roles(ctx, role), view.tab.status: message}


@handles("新建角色失败")
def create(ctx: UIContext, view: RolesView, *, category: str, name: str) -> dict:
    role = roles.create_role(ws=ctx.ws, category=(category or "").strip(), name=(name or "").strip())
    return _role_made_current(ctx, view, role, f"✔ {ctx.i18n('已创建角色')} {role}")


@handles("重命名失败")
def rename(ctx: UIContext, view: RolesView, *, role: str | None, new_name: str) -> dict:
    role = require_role(ctx.i18n, role)
    renamed = roles.rename_role(ws=ctx.ws, role=role, new_role=(new_name or "").strip())
    return _role_made_current(ctx, view, renamed, f"✔ {role} → {renamed}")


@handles("删除失败")
def delete(ctx: UIContext, view: RolesView, *, role: str | None, confirmed: bool) -> dict:
    role = require_role(ctx.i18n, role)
    if not confirmed:
        raise gr.Error(ctx.i18n("请先勾选确认删除"))
    roles.delete_role(ws=ctx.ws, role=role)
    return {**_role_made_current(ctx, view, None, f"✔ {ctx.i18n('已删除角色')} {role}"),
            view.tab.confirm_delete: False}


@handles("导出角色失败")
def export(ctx: UIContext, view: RolesView, *, role: str | None) -> dict:
    role = require_role(ctx.i18n, role)
    return {view.tab.archive_out: str(backup.export_role(ws=ctx.ws, role=role))}


@handles("导入角色失败")
def import_archive(ctx: UIContext, view: RolesView, *, archive: str | None, name: str) -> dict:
    if not archive:
        raise gr.Error(ctx.i18n("请先上传角色存档"))
    role = backup.import_role(ws=ctx.ws, archive=Path(archive), name=(name or "").strip())
    return _role_made_current(ctx, view, role, f"✔ {ctx.i18n('已导入角色')} {role}")


@handles("读取角色失败")
def show_roles(ctx: UIContext, view: RolesView) -> dict:
    return {view.tab.table: role_rows(ctx)}


def wire(tab: RolesTab, ctx: UIContext, page: Page) -> None:
    view, picker = RolesView(tab, page.role), page.role
    answers = [tab.table, picker, tab.status]
    connect(ctx, tab.export.click, export, view, {"role": picker}, tab.archive_out)
    connect(ctx, tab.import_archive.click, import_archive, view, {"archive": tab.archive_in, "name": tab.import_name},
            answers)
    connect(ctx, tab.create.click, create, view, {"category": tab.category, "name": tab.name}, answers)
    connect(ctx, tab.rename.click, rename, view, {"role": picker, "new_name": tab.new_name}, answers)
    connect(ctx, tab.delete.click, delete, view, {"role": picker, "confirmed": tab.confirm_delete},
            [*answers, tab.confirm_delete])
    connect_each(ctx, (page.refresh_roles.click, page.app.load), show_roles, view, None, tab.table)
