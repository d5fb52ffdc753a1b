"""Import tab: bring a GPT-SoVITS .list into the chosen role."""
from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from ras.library import importer
from tabs.common import Page, UIContext, connect, handles, readable_roots, request_file, require_role
from tabs.emotion_words import emotion_label
from tabs.widgets import role_rows


@dataclass(frozen=True)
class ImportTab:
    upload: gr.File
    server_path: gr.Textbox
    copy_audio: gr.Checkbox
    run: gr.Button
    summary: gr.Markdown
    errors: gr.Dataframe


def build(ctx: UIContext) -> ImportTab:
    i18n = ctx.i18n
    gr.Markdown(i18n("### 1. 选择 .list 文件"))
    gr.Markdown(i18n("每行格式：音频路径|说话人|语言|文本。"
                     "音频路径可为绝对路径，或相对于 .list 文件、GPT-SoVITS 根目录。"))
    with gr.Row():
        upload = gr.File(label=i18n("上传 .list 文件"), file_types=[".list", ".txt"], elem_id="import_upload")
        server_path = gr.Textbox(label=i18n("或填写服务器上的 .list 路径"), elem_id="import_server_path")
    gr.Markdown(i18n("### 2. 导入到当前角色"))
    copy_audio = gr.Checkbox(value=True, label=i18n("复制音频到角色文件夹（取消则只记录原路径）"),
                             elem_id="import_copy_audio")
    run = gr.Button(i18n("开始导入"), variant="primary", elem_id="import_run")
    summary = gr.Markdown(elem_id="import_summary")
    errors = gr.Dataframe(headers=[i18n("行号"), i18n("原因")], interactive=False, wrap=True,
                          column_widths=["8%", "92%"], elem_id="import_errors")
    return ImportTab(upload, server_path, copy_audio, run, summary, errors)


@dataclass(frozen=True)
class ImportView:
    """What an import answers into: the tab, and the roles tab's table (the role's clip count changes)."""

    tab: ImportTab
    roles_table: gr.Dataframe


def import_summary(i18n, report: importer.ImportReport) -> str:
    text = f"✔ {i18n('导入')} {report.imported} · {i18n('重复跳过')} {report.duplicates} · " \
           f"{i18n('错误行')} {report.errors_total}"
    if report.imported == 0 and report.duplicates and not report.errors_total:
        text += f" · {i18n('该文件已导入过，没有新音频')}"
    if report.emotions:  # tags from 【开心】/[happy] file names or emotion folders
        found = " · ".join(f"{emotion_label(i18n, e)} {n}" for e, n in report.emotions.items())
        text += f"  \n{i18n('文件名/文件夹中的情感标签')}: {found}"
        if report.retagged:
            text += f" · {i18n('已有音频新标注')} {report.retagged}"
    elsewhere = report.found_elsewhere
    if elsewhere:  # found by searching around the list: say where, so a wrong match can be spotted
        shown = "  \n".join(f"{e.line}: `{e.listed}` → `{e.found_at}`" for e in elsewhere[:20])
        more = f"  \n… +{len(elsewhere) - 20}" if len(elsewhere) > 20 else ""
        text += f"  \n{i18n('以下音频不在列表文件旁，在这里找到')}:  \n{shown}{more}"
    return text


@handles("导入失败")
def run(ctx: UIContext, view: ImportView, *, role: str | None, upload, server_path: str, copy_audio: bool) -> dict:
    role = require_role(ctx.i18n, role)
    source = upload or (server_path or "").strip()
    if not source:
        raise gr.Error(ctx.i18n("请上传 .list 文件或填写路径"))
    gsv_root = ctx.settings.gsv_root
    list_path = request_file(ctx, source, ".list file", gsv_root)
    report = importer.import_list(ws=ctx.ws, role=role, list_path=list_path, copy_audio=bool(copy_audio),
                                  gsv_root=gsv_root, audio_roots=readable_roots(ctx, gsv_root))
    return {view.tab.summary: import_summary(ctx.i18n, report),
            view.tab.errors: [[e.line, e.reason] for e in report.errors], view.roles_table: role_rows(ctx)}


def wire(tab: ImportTab, ctx: UIContext, page: Page, *, roles_table: gr.Dataframe) -> None:
    """roles_table: the roles tab's table, whose clip counts an import changes."""
    form = {"role": page.role, "upload": tab.upload, "server_path": tab.server_path, "copy_audio": tab.copy_audio}
    connect(ctx, tab.run.click, run, ImportView(tab, roles_table), form, [tab.summary, tab.errors, roles_table])
