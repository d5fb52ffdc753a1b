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
from ras.errors import Conflict
from ras.library import clips, emotion_tags
from tabs.common import Page, UIContext, choices, connect, connect_each, handles, parse_ids, require_role, selected_row

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
    tag_emotion: gr.Button
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
        tag_emotion = gr.Button(i18n("以组名标注情感"), elem_id="classify_tag_emotion")
    gr.Markdown(i18n("组名即组内音频的情感（如 开心、平静）：标注后可在音频浏览中按情感筛选；人工标注的音频不变。"))
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
                       rename, create, tag_emotion, move_ids, move_to, move, similar_limit, similar, similar_table)


def _group_picks(found: list[classify.GroupRow]) -> list[tuple[str, int]]:
    return [(f"{g.group} ({g.count})", g.id) for g in found]


def _map_points(ctx: UIContext, role: str) -> pd.DataFrame | None:
    try:
        points = pd.DataFrame([vars(p) for p in classify.map_points(ws=ctx.ws, role=role)])
    except Conflict:  # groups without speaker vectors (e.g. only hand-made groups)
        return None
    if points.empty:
        return None  # an empty frame would fix the colour scale as numeric and hide later points
    points["group"] = points["group"].replace("", ctx.i18n("未分组"))
    return points.sort_values(["group", "id"], kind="stable")  # legend in group order


def groups_view(ctx: UIContext, tab: ClassifyTab, role: str | None, selected=None) -> dict:
    """The groups table, the map, the group picker (keeping `selected` while it exists) and the chosen
    group's members; empty when nothing is classified."""
    found = classify.list_groups(ws=ctx.ws, role=role) if role else []
    picks = _group_picks(found)
    chosen = next((g for g in found if g.id == selected), found[0] if found else None)
    return {
        tab.groups: [[g.id, g.group, g.count, g.mean_duration, g.representative] for g in found],
        tab.map: _map_points(ctx, role) if found else None,
        tab.group: gr.update(choices=picks, value=chosen.id if chosen else None),
        tab.move_to: gr.update(choices=picks, value=None),
        **group_view(ctx, tab, role, chosen),
    }


def group_view(ctx: UIContext, tab: ClassifyTab, role: str | None, chosen: classify.GroupRow | None) -> dict:
    """A group's representative clip, its clip ids and its members."""
    if not role or chosen is None:
        return {tab.representative: None, tab.group_clip_ids: "", tab.members: []}
    members = clips.list_clips(ws=ctx.ws, role=role, flt=clips.ClipFilter(group_id=chosen.id)).clips
    return {tab.representative: clip_file(ctx, role, chosen.representative),
            tab.group_clip_ids: ", ".join(map(str, chosen.clip_ids)),
            tab.members: [[c.id, c.duration, c.speaker, c.text] for c in members]}


def clip_file(ctx: UIContext, role: str, clip_id) -> str | None:
    if not clip_id:
        return None
    path = clips.clip_audio_path(ctx.ws, role, clips.get_clip(ws=ctx.ws, role=role, clip_id=int(clip_id)))
    return str(path) if path.is_file() else None


@handles("计算声纹向量失败")
def embed(ctx: UIContext, tab: ClassifyTab, *, role: str | None, progress=gr.Progress()) -> dict:
    i18n, role = ctx.i18n, require_role(ctx.i18n, role)
    progress(0, desc=i18n("加载声纹模型"))
    done = embeddings.compute_embeddings(
        ws=ctx.ws, role=role, encoder=embeddings.default_encoder(ctx.settings),
        progress=lambda count, total: progress((count, total), desc=i18n("计算声纹向量"), unit="clips"))
    note = "".join(f"\n- #{s.id}: {s.reason}" for s in done.skipped[:20])
    skipped = f" · ⚠ {len(done.skipped)} {i18n('条无法读取，已跳过')}{note}" if done.skipped else ""
    return {tab.embed_status: f"✔ {i18n('新计算')} {done.stored} {i18n('条')}{skipped}"}


@handles("聚类失败")
def run(ctx: UIContext, tab: ClassifyTab, *, role: str | None, mode: str, n_groups, threshold) -> dict:
    role, by_count = require_role(ctx.i18n, role), mode == "count"
    result = classify.classify(ws=ctx.ws, role=role, n_groups=int(n_groups) if by_count else None,
                               threshold=None if by_count else float(threshold),
                               encoder=embeddings.default_encoder(ctx.settings))
    return {**groups_view(ctx, tab, role), tab.run_status: f"✔ {len(result.groups)} {ctx.i18n('个分组')}"}


@handles("读取分组失败")
def refresh(ctx: UIContext, tab: ClassifyTab, *, role: str | None, group) -> dict:
    return groups_view(ctx, tab, role, group)


@handles("读取分组失败")
def show_group(ctx: UIContext, tab: ClassifyTab, *, role: str | None, group) -> dict:
    found = classify.list_groups(ws=ctx.ws, role=role) if role and group is not None else []
    return group_view(ctx, tab, role, next((g for g in found if g.id == group), None))


@handles("读取音频失败")
def pick_member(ctx: UIContext, tab: ClassifyTab, *, role: str | None, table, evt: gr.SelectData) -> dict:
    clip_id = int(table.iloc[selected_row(evt), 0])
    return {tab.clip_id: clip_id, tab.member_audio: clip_file(ctx, require_role(ctx.i18n, role), clip_id),
            tab.move_ids: str(clip_id)}


@handles("重命名失败")
def rename(ctx: UIContext, tab: ClassifyTab, *, role: str | None, group, name: str) -> dict:
    if group is None:
        raise gr.Error(ctx.i18n("请先选择分组"))
    classify.rename_group(ws=ctx.ws, role=require_role(ctx.i18n, role), group_id=int(group), name=name)
    return groups_view(ctx, tab, role, group)


@handles("新建分组失败")
def create(ctx: UIContext, tab: ClassifyTab, *, role: str | None, name: str, group) -> dict:
    classify.create_group(ws=ctx.ws, role=require_role(ctx.i18n, role), name=name)
    return groups_view(ctx, tab, role, group)


@handles("设置情感失败")
def tag_emotion(ctx: UIContext, tab: ClassifyTab, *, role: str | None, group) -> dict:
    if group is None:
        raise gr.Error(ctx.i18n("请先选择分组"))
    done = emotion_tags.tag_group(ws=ctx.ws, role=require_role(ctx.i18n, role), group_id=int(group))
    kept = f" · {ctx.i18n('人工标注保留')} {done.kept}" if done.kept else ""
    gr.Info(f"{ctx.i18n('已标注情感')}: {done.group} · {done.tagged}{kept}")
    return {}


@handles("移动失败")
def move(ctx: UIContext, tab: ClassifyTab, *, role: str | None, clip_ids: str, target, group) -> dict:
    if target is None:
        raise gr.Error(ctx.i18n("请选择目标分组"))
    classify.move_clips(ws=ctx.ws, role=require_role(ctx.i18n, role), clip_ids=parse_ids(clip_ids),
                        group_id=int(target))
    gr.Info(ctx.i18n("已移动"))
    return groups_view(ctx, tab, role, group)


@handles("相似度排序失败")
def similar(ctx: UIContext, tab: ClassifyTab, *, role: str | None, clip_id, limit) -> dict:
    role = require_role(ctx.i18n, role)
    if not clip_id:
        raise gr.Error(ctx.i18n("请先选择一条音频"))
    ranked = classify.similar_clips(ws=ctx.ws, role=role, clip_id=int(clip_id), limit=int(limit))
    by_id = {c.id: c for c in clips.list_clips(ws=ctx.ws, role=role).clips}
    return {tab.similar_table: [[r.id, r.similarity, by_id[r.id].group or "", by_id[r.id].text] for r in ranked]}


def wire(tab: ClassifyTab, ctx: UIContext, page: Page) -> None:
    role = page.role
    shown = [tab.representative, tab.group_clip_ids, tab.members]
    view = [tab.groups, tab.map, tab.group, tab.move_to, *shown]
    connect(ctx, tab.embed.click, embed, tab, {"role": role}, tab.embed_status)
    connect(ctx, tab.run.click, run, tab,
            {"role": role, "mode": tab.mode, "n_groups": tab.n_groups, "threshold": tab.threshold},
            [*view, tab.run_status])
    connect_each(ctx, (role.change, page.app.load), refresh, tab, {"role": role, "group": tab.group}, view)
    connect(ctx, tab.group.input, show_group, tab, {"role": role, "group": tab.group}, shown)
    for table in (tab.members, tab.similar_table):
        connect(ctx, table.select, pick_member, tab, {"role": role, "table": table},
                [tab.clip_id, tab.member_audio, tab.move_ids])
    connect(ctx, tab.rename.click, rename, tab, {"role": role, "group": tab.group, "name": tab.new_name}, view)
    connect(ctx, tab.create.click, create, tab, {"role": role, "name": tab.new_name, "group": tab.group}, view)
    connect(ctx, tab.tag_emotion.click, tag_emotion, tab, {"role": role, "group": tab.group}, [])
    connect(ctx, tab.move.click, move, tab,
            {"role": role, "clip_ids": tab.move_ids, "target": tab.move_to, "group": tab.group}, view)
    connect(ctx, tab.similar.click, similar, tab, {"role": role, "clip_id": tab.clip_id, "limit": tab.similar_limit},
            tab.similar_table)
