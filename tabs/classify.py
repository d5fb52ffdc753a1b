"""Classify tab: speaker embeddings, clustering, the groups map, review and move clips between groups.

The selected group's clip ids are shown in `classify_group_clip_ids` (comma
separated) so the task tab can take a group as its clip selection.
"""
from __future__ import annotations

from dataclasses import dataclass

import gradio as gr
import pandas as pd

from ras.analysis import embeddings
from ras.classify import groups as classify
from ras.library import clips
from tabs.common import Page, UIContext, choices, keep_choice, parse_ids, require_role, selected_row, ui_action
from tabs.widgets import PRIVATE

MODES = (("按分组数", "count"), ("按距离阈值", "threshold"))
GROUP_COLUMNS = ("编号", "名称", "数量", "平均时长（秒）", "代表音频")
MEMBER_COLUMNS = ("编号", "时长", "说话人", "文本")
SIMILAR_COLUMNS = ("编号", "相似度", "分组", "文本")


@dataclass(frozen=True)
class ClassifyTab:
    encoder_info: gr.Markdown
    embed: gr.Button
    embed_status: gr.Markdown
    mode: gr.Radio
    n_groups: gr.Slider
    threshold: gr.Slider
    run: gr.Button
    run_status: gr.Markdown
    groups: gr.Dataframe
    map: gr.ScatterPlot
    group: gr.Dropdown
    representative: gr.Audio
    group_clip_ids: gr.Textbox
    members: gr.Dataframe
    clip_id: gr.Number
    member_audio: gr.Audio
    new_name: gr.Textbox
    rename: gr.Button
    create: gr.Button
    move_ids: gr.Textbox
    move_to: gr.Dropdown
    move: gr.Button
    similar_limit: gr.Slider
    similar: gr.Button
    similar_table: gr.Dataframe


def build(ctx: UIContext) -> ClassifyTab:
    i18n = ctx.i18n
    gr.Markdown(i18n("为大量音频（1000 条以上）按说话人/风格分组：每组选代表音频进入对比任务，不必逐条试听。"))
    gr.Markdown(i18n("### 1. 计算声纹向量"))
    encoder = str(ctx.settings.sv_model) if ctx.settings.sv_model else "resemblyzer"
    with gr.Row():
        encoder_info = gr.Markdown(f"{i18n('声纹模型')}: `{encoder}` · {i18n('已算过的音频不会重复计算')}",
                                   elem_id="classify_encoder_info")
        embed = gr.Button(i18n("计算声纹向量"), variant="primary", elem_id="classify_embed")
    embed_status = gr.Markdown(elem_id="classify_embed_status")
    gr.Markdown(i18n("### 2. 聚类"))
    with gr.Row():
        mode = gr.Radio(choices(i18n, MODES), value="count", label=i18n("分组方式"), elem_id="classify_mode")
        n_groups = gr.Slider(1, 50, value=3, step=1, label=i18n("分组数"), elem_id="classify_n_groups")
        threshold = gr.Slider(0.01, 1.0, value=0.15, step=0.01, label=i18n("距离阈值（余弦距离）"),
                              info=i18n("同一声音约 0.05–0.08，不同声音约 0.2 以上；越小分组越多"),
                              elem_id="classify_threshold")
        run = gr.Button(i18n("开始聚类"), variant="primary", elem_id="classify_run")
    run_status = gr.Markdown(elem_id="classify_run_status")
    gr.Markdown(i18n("### 3. 分组"))
    with gr.Row():
        groups = gr.Dataframe(headers=[i18n(c) for c in GROUP_COLUMNS], interactive=False, scale=1, wrap=True,
                              column_widths=["9%", "21%", "12%", "24%", "34%"], elem_id="classify_groups")
        group_map = gr.ScatterPlot(x="x", y="y", color="group", tooltip=["id", "group"], label=i18n("分组分布图"),
                                   x_title="PCA 1", y_title="PCA 2", scale=1, elem_id="classify_map")
    with gr.Row():
        group = gr.Dropdown(label=i18n("选择分组"), choices=[], elem_id="classify_group")
        representative = gr.Audio(label=i18n("代表音频"), type="filepath", interactive=False,
                                  elem_id="classify_representative")
    group_clip_ids = gr.Textbox(label=i18n("该组的音频编号（可用作任务的音频选择）"), interactive=False,
                                buttons=["copy"], elem_id="classify_group_clip_ids")
    members = gr.Dataframe(headers=[i18n(c) for c in MEMBER_COLUMNS], interactive=False, wrap=True,
                           max_height=320, column_widths=["8%", "10%", "12%", "70%"], elem_id="classify_members")
    gr.Markdown(i18n("点击成员即可试听，并可查找与其相似的音频。"))
    with gr.Row():
        clip_id = gr.Number(label=i18n("音频编号"), precision=0, value=None, elem_id="classify_clip_id")
        member_audio = gr.Audio(label=i18n("试听"), type="filepath", interactive=False, elem_id="classify_member_audio")
    gr.Markdown(i18n("### 4. 整理分组"))
    with gr.Row():
        new_name = gr.Textbox(label=i18n("分组名称"), placeholder=i18n("例如：平静、激动"), elem_id="classify_new_name")
        rename = gr.Button(i18n("重命名所选分组"), elem_id="classify_rename")
        create = gr.Button(i18n("新建空分组"), elem_id="classify_create")
    with gr.Row():
        move_ids = gr.Textbox(label=i18n("要移动的音频编号（逗号分隔）"), elem_id="classify_move_ids")
        move_to = gr.Dropdown(label=i18n("移动到分组"), choices=[], elem_id="classify_move_to")
        move = gr.Button(i18n("移动"), elem_id="classify_move")
    gr.Markdown(i18n("### 5. 与此音频相似"))
    with gr.Row():
        similar_limit = gr.Slider(5, 200, value=20, step=5, label=i18n("显示条数"), elem_id="classify_similar_limit")
        similar = gr.Button(i18n("按相似度排序"), elem_id="classify_similar")
    similar_table = gr.Dataframe(headers=[i18n(c) for c in SIMILAR_COLUMNS], interactive=False, wrap=True,
                                 max_height=320, column_widths=["8%", "10%", "12%", "70%"],
                                 elem_id="classify_similar_table")
    return ClassifyTab(encoder_info, embed, embed_status, mode, n_groups, threshold, run, run_status, groups,
                       group_map, group, representative, group_clip_ids, members, clip_id, member_audio, new_name,
                       rename, create, move_ids, move_to, move, similar_limit, similar, similar_table)


def groups_view(ctx: UIContext, role: str | None, selected=None) -> tuple:
    """(groups table, map data, group picker, move-to picker) for the role; empty when nothing is classified."""
    found = classify.list_groups(ws=ctx.ws, role=role) if role else []
    rows = [[g["id"], g["group"], g["count"], g["mean_duration"], g["representative"]] for g in found]
    try:
        points = pd.DataFrame(classify.map_points(ws=ctx.ws, role=role)) if role and found else None
    except ValueError:  # groups without embeddings (e.g. only hand-made groups)
        points = None
    if points is None or points.empty:
        points = None  # an empty frame would fix the colour scale as numeric and hide later points
    else:
        points["group"] = points["group"].replace("", ctx.i18n("未分组"))
        points = points.sort_values(["group", "id"], kind="stable")  # legend in group order
    picks = [(f"{g['group']} ({g['count']})", g["id"]) for g in found]
    return rows, points, keep_choice(picks, selected), gr.update(choices=picks, value=None)


def clip_file(ctx: UIContext, role: str, clip_id) -> str | None:
    if not clip_id:
        return None
    path = clips.clip_audio_path(ctx.ws, role, clips.get_clip(ws=ctx.ws, role=role, clip_id=int(clip_id)))
    return str(path) if path.is_file() else None


def wire(tab: ClassifyTab, ctx: UIContext, page: Page) -> None:
    i18n, role_picker = ctx.i18n, page.role
    view = [tab.groups, tab.map, tab.group, tab.move_to]

    @ui_action(i18n, "计算声纹向量失败")
    def embed(role, progress=gr.Progress()):
        role = require_role(i18n, role)
        progress(0, desc=i18n("加载声纹模型"))
        skipped: list[dict] = []
        count = embeddings.compute_embeddings(
            ws=ctx.ws, role=role, encoder=embeddings.default_encoder(ctx.settings), skipped=skipped,
            progress=lambda done, total: progress((done, total), desc=i18n("计算声纹向量"), unit="clips"))
        note = "".join(f"\n- #{s['id']}: {s['reason']}" for s in skipped[:20])
        return f"✔ {i18n('新计算')} {count} {i18n('条')}" + (
            f" · ⚠ {len(skipped)} {i18n('条无法读取，已跳过')}{note}" if skipped else "")

    @ui_action(i18n, "聚类失败")
    def run(role, mode, n_groups, threshold):
        role = require_role(i18n, role)
        by_count = mode == "count"
        result = classify.classify(ws=ctx.ws, role=role, n_groups=int(n_groups) if by_count else None,
                                   threshold=None if by_count else float(threshold),
                                   encoder=embeddings.default_encoder(ctx.settings))
        return *groups_view(ctx, role), f"✔ {len(result['groups'])} {i18n('个分组')}"

    @ui_action(i18n, "读取分组失败")
    def refresh(role, selected=None):
        return groups_view(ctx, role, selected)

    @ui_action(i18n, "读取分组失败")
    def show_group(role, group_id):
        if not role or group_id is None:
            return None, "", []
        chosen = next((g for g in classify.list_groups(ws=ctx.ws, role=role) if g["id"] == group_id), None)
        if chosen is None:
            return None, "", []
        _, members = clips.list_clips(ws=ctx.ws, role=role, flt=clips.ClipFilter(group_id=group_id))
        rows = [[c["id"], c["duration"], c["speaker"], c["text"]] for c in members]
        return clip_file(ctx, role, chosen["representative"]), ", ".join(map(str, chosen["clip_ids"])), rows

    @ui_action(i18n, "读取音频失败")
    def pick_member(role, table_value, evt: gr.SelectData):
        clip_id = int(table_value.iloc[selected_row(evt), 0])
        return clip_id, clip_file(ctx, role, clip_id), str(clip_id)

    @ui_action(i18n, "重命名失败")
    def rename(role, group_id, name):
        if group_id is None:
            raise gr.Error(i18n("请先选择分组"))
        classify.rename_group(ws=ctx.ws, role=require_role(i18n, role), group_id=int(group_id), name=name)
        return groups_view(ctx, role, group_id)

    @ui_action(i18n, "新建分组失败")
    def create(role, name, selected):
        classify.create_group(ws=ctx.ws, role=require_role(i18n, role), name=name)
        return groups_view(ctx, role, selected)

    @ui_action(i18n, "移动失败")
    def move(role, ids, target, selected):
        if target is None:
            raise gr.Error(i18n("请选择目标分组"))
        classify.move_clips(ws=ctx.ws, role=require_role(i18n, role), clip_ids=parse_ids(ids), group_id=int(target))
        gr.Info(i18n("已移动"))
        return groups_view(ctx, role, selected)

    @ui_action(i18n, "相似度排序失败")
    def similar(role, clip_id, limit):
        role = require_role(i18n, role)
        if not clip_id:
            raise gr.Error(i18n("请先选择一条音频"))
        ranked = classify.similar_clips(ws=ctx.ws, role=role, clip_id=int(clip_id), limit=int(limit))
        _, found = clips.list_clips(ws=ctx.ws, role=role)
        by_id = {c["id"]: c for c in found}
        return [[r["id"], r["similarity"], by_id[r["id"]]["group"] or "", by_id[r["id"]]["text"]] for r in ranked]

    show = dict(fn=show_group, inputs=[role_picker, tab.group],
                outputs=[tab.representative, tab.group_clip_ids, tab.members], **PRIVATE)
    tab.embed.click(embed, role_picker, tab.embed_status, **PRIVATE)
    tab.run.click(run, [role_picker, tab.mode, tab.n_groups, tab.threshold], [*view, tab.run_status],
                  **PRIVATE).then(**show)
    for trigger in (role_picker.change, page.app.load):
        trigger(refresh, role_picker, view, **PRIVATE).then(**show)
    tab.group.change(**show)
    tab.members.select(pick_member, [role_picker, tab.members], [tab.clip_id, tab.member_audio, tab.move_ids],
                       **PRIVATE)
    tab.similar_table.select(pick_member, [role_picker, tab.similar_table],
                             [tab.clip_id, tab.member_audio, tab.move_ids], **PRIVATE)
    tab.rename.click(rename, [role_picker, tab.group, tab.new_name], view, **PRIVATE).then(**show)
    tab.create.click(create, [role_picker, tab.new_name, tab.group], view, **PRIVATE)
    tab.move.click(move, [role_picker, tab.move_ids, tab.move_to, tab.group], view, **PRIVATE).then(**show)
    tab.similar.click(similar, [role_picker, tab.clip_id, tab.similar_limit], tab.similar_table, **PRIVATE)
