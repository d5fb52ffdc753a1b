"""Handlers of the find-reference tab: start a run, poll it, force a clip in, play the shortlist's takes.

Each is a plain function of (ctx, the tab or a slot or the other tabs it opens, named values) that answers
{component: value}; tabs/finder.py connects them."""
from __future__ import annotations

import gradio as gr
import pandas as pd

from ras.classify import groups as classify_service
from ras.finder import emotion_runs, probes
from ras.finder import run as finder_runs
from ras.finder import status as finder_status
from ras.finder.status import FinderStatus
from ras.library import clips as clip_service
from ras.library import texts
from ras.metrics.rate import base_language
from ras.products import rows as products
from ras.queue import jobs
from tabs.common import (
    UIContext,
    handles,
    keep_choice,
    parse_ids,
    picker_update,
    refreshed_choice,
    require_role,
    selected_row,
)
from tabs.emotion_words import emotion_label
from tabs.finder_blind import start_blind_comparison
from tabs.finder_words import (
    duration_words,
    emotions_overview,
    progress_html,
    reasons_html,
    run_label,
    screening_summary,
)
from tabs.flag_labels import flag_words
from tabs.shortcuts import AbPickers, LongTextPicker, ProductForm
from tabs.widgets import picked_id, read_for_shown_role

DEFAULT_PROBE_TEXTS = 4  # the built-in probe set: short, long, numbers, question
CHART_ROWS = 20


def run_choices(ctx: UIContext, role: str | None) -> list[tuple[str, int]]:
    if not role:
        return []
    return [(run_label(ctx.i18n, r), r.run_id) for r in finder_runs.list_runs(ws=ctx.ws, role=role)
            if r.mode == "references"]


def _group_choices(ctx: UIContext, role: str | None) -> list[tuple[str, int]]:
    return [(f"{g.group} ({g.count})", g.id)
            for g in (classify_service.list_groups(ws=ctx.ws, role=role) if role else [])]


def _text_choices(ctx: UIContext, role: str | None, all_texts: bool) -> list[tuple[str, int]]:
    """The test texts in the role's language (every text when asked, or for a role without clips)."""
    lang = probes.role_language(ws=ctx.ws, role=role) if role and not all_texts else None
    return [(f"[{t.lang}] {t.content[:50]}", t.id) for t in texts.list_texts(ws=ctx.ws)
            if lang is None or base_language(t.lang) == lang]


def _texts_update(ctx: UIContext, role, all_texts, chosen) -> dict:
    options = _text_choices(ctx, role, bool(all_texts))
    offered = {value for _, value in options}
    return picker_update(options, [t for t in chosen or [] if t in offered], chosen)


@handles("读取失败")
def refresh(ctx: UIContext, tab, *, role, run, gpt, sovits, group, chosen_texts, all_texts) -> dict:
    backend = ctx.backend
    models = backend.list_models() if backend.configured else None
    return {tab.gpt: refreshed_choice(models.names("gpt") if models else [], gpt),
            tab.sovits: refreshed_choice(models.names("sovits") if models else [], sovits),
            tab.group: refreshed_choice(_group_choices(ctx, role), group),
            tab.texts: _texts_update(ctx, role, all_texts, chosen_texts),
            tab.run: refreshed_choice(run_choices(ctx, role), run)}


@handles("读取失败")
def show_texts(ctx: UIContext, tab, *, role, all_texts, chosen_texts) -> dict:
    return {tab.texts: _texts_update(ctx, role, all_texts, chosen_texts)}


def _subset(ctx: UIContext, subset, group, clip_ids) -> dict:
    if subset == "group":
        if group is None:
            raise gr.Error(ctx.i18n("请先选择分组"))
        return {"group_id": int(group)}
    if subset == "ids":
        ids = parse_ids(clip_ids)
        if not ids:
            raise gr.Error(ctx.i18n("请填写音频编号"))
        return {"clip_ids": ids}
    return {}


def _job_seconds(ctx: UIContext, role) -> float | None:
    return ctx.runner.median_job_seconds() or (jobs.typical_job_seconds(ctx.ws, role) if role else None)


@handles("估算失败")
def estimate(ctx: UIContext, tab, *, role, subset, group, clip_ids, chosen_texts, budget, shortlist) -> dict:
    if not role:
        return {tab.estimate: ""}
    i18n, seconds = ctx.i18n, _job_seconds(ctx, role)
    found = finder_runs.estimate(ws=ctx.ws, role=role, **_subset(ctx, subset, group, clip_ids),
                                 texts_count=len(chosen_texts) if chosen_texts else DEFAULT_PROBE_TEXTS,
                                 shortlist=int(shortlist or 5), job_seconds=seconds)
    planned = int(budget) if budget else found.budget_jobs
    line = i18n("{}/{} 条音频时长可用").format(found.usable, found.clips)
    line += " · " + (i18n("预算 {} 个作业").format(planned) if budget
                     else i18n("预算约 {} 个作业（筛查后按留下的候选重新计算）").format(planned))
    if seconds:  # under a minute in seconds: "about 0.0 min" would read as no time at all
        line += " · " + (i18n("约 {} 分钟（按最近的速度）").format(round(planned * seconds / 60, 1))
                         if planned * seconds >= 60 else duration_words(i18n, planned * seconds))
    return {tab.estimate: line + " · " + i18n("全部组合 {} 个作业").format(found.full_grid_jobs)}


@handles("启动找参考失败")
def start(ctx: UIContext, tab, *, role, gpt, sovits, subset, group, clip_ids, chosen_texts, budget, shortlist,
          per_emotion=False, **base) -> dict:
    role = require_role(ctx.i18n, role)
    spec = {"gpt": gpt, "sovits": sovits, **_subset(ctx, subset, group, clip_ids),
            "text_ids": [int(t) for t in chosen_texts or []], "shortlist": int(shortlist or 5),
            "budget_jobs": int(budget) if budget else None, "base": base}
    create = emotion_runs.create_emotion_run if per_emotion else finder_runs.create_run
    run_id = create(ws=ctx.ws, role=role, spec=spec, **ctx.backend.weight_choosers())
    ctx.finder.watch(role)
    return {tab.run: keep_choice(run_choices(ctx, role), run_id)}


def _cleared(ctx: UIContext, tab) -> dict:
    """Nothing of a run on the page: empty tables, chart and progress, hidden shortlist."""
    hidden = {slot.box: gr.update(visible=False) for slot in tab.slots}
    return {tab.progress: "", tab.screen_summary: "", tab.screened: [], tab.ranking: [],
            tab.chart: chart_frame(ctx.i18n), tab.shown: "", tab.emotions: "", **hidden}


@handles("读取找参考进度失败")
def poll(ctx: UIContext, tab, *, role, run, shown) -> dict:
    if not role or picked_id(run) is None:
        return _cleared(ctx, tab) if shown else {}
    status = read_for_shown_role(lambda: finder_status.status(ws=ctx.ws, runner=ctx.runner, role=role,
                                                              run_id=int(run)),
                                 lambda: None, report_deleted_role=True, stale=finder_runs.RunNotFound)
    if status is None:  # the role was switched or the run deleted: show the role's own runs
        return {**_cleared(ctx, tab), tab.run: keep_choice(run_choices(ctx, role), None)}
    progress = progress_html(ctx.i18n, status, _job_seconds(ctx, role))
    signature = repr((role, status.run_id, status.stage, status.settled, status.screened, status.ranking,
                      status.shortlist, [(e.emotion, e.status.stage, e.status.shortlist) for e in status.emotions]))
    if signature == shown:  # unchanged: leave tables and players alone (listening goes on)
        return {tab.progress: progress}
    clip_info = clip_service.get_clips(ws=ctx.ws, role=role, clip_ids=[r.clip_id for r in status.screened]) \
        if status.screened else {}
    # the run picker's labels name each run's stage: relabel them when this one moves on
    return {tab.progress: progress, tab.screen_summary: screening_summary(ctx.i18n, status),
            tab.screened: screened_rows(ctx.i18n, status, clip_info), tab.ranking: ranking_rows(ctx.i18n, status),
            tab.chart: chart_frame(ctx.i18n, status), tab.shown: signature,
            tab.run: gr.update(choices=run_choices(ctx, role)), tab.emotions: emotions_overview(ctx.i18n, status),
            **slot_updates(ctx, tab, role, status, clip_info)}


def screened_rows(i18n, status: FinderStatus, clip_info: dict) -> list[list]:
    rows = []
    for row in sorted(status.screened, key=lambda r: (not r.excluded, r.clip_id)):
        clip = clip_info.get(row.clip_id)
        mark = i18n("强制放回") if row.forced else (i18n("是") if row.excluded else "")
        rows.append([row.clip_id, clip.text[:40] if clip else "", clip.duration if clip else None, mark,
                     reasons_html(i18n, row.why)])
    return rows


def ranking_rows(i18n, status: FinderStatus) -> list[list]:
    """Best first; a per-emotion run's rows emotion by emotion, each standing naming its emotion."""
    emotion_of = {r.clip_id: e.emotion for e in status.emotions for r in e.status.ranking}
    return [[i + 1, r.clip_id, (f"{emotion_label(i18n, emotion_of[r.clip_id])} · " if r.clip_id in emotion_of else "")
             + (reasons_html(i18n, [r.standing], "standing") if r.standing else ""), r.score,
             f"{r.low:g}–{r.high:g}", r.takes, r.failed_takes, r.median_auto_score, r.speaker_similarity,
             reasons_html(i18n, r.why, "ranking")] for i, r in enumerate(status.ranking)]


def chart_frame(i18n, status: FinderStatus | None = None) -> dict:
    """The lower bounds in the ranking's order, the shortlist in the page's colour and the rest grey."""
    inside, outside = i18n("在名单中"), i18n("不在名单中")
    rows = [{"clip": f"#{r.clip_id}", "low": r.low, "standing": inside if r.clip_id in status.shortlist else outside}
            for r in (status.ranking[:CHART_ROWS] if status else ())]
    return gr.update(value=pd.DataFrame(rows, columns=["clip", "low", "standing"]), sort=[r["clip"] for r in rows],
                     color_map={inside: "#f97316", outside: "#9ca3af"})


def _take_label(i18n, take: finder_status.ProbeTake) -> str:
    score = take.auto_score if take.auto_score is not None else "-"
    label = f"#{take.result_id} · {take.text[:24]} · seed {take.seed} · {score}"
    return label + (f" · {flag_words(i18n, take.flags)}" if take.flags else "")


def slot_updates(ctx: UIContext, tab, role: str, status: FinderStatus, clip_info: dict) -> dict:
    i18n, rows = ctx.i18n, {r.clip_id: r for r in status.ranking}
    updates = {}
    for i, slot in enumerate(tab.slots):
        if i >= len(status.shortlist) or status.emotions:  # per emotion: each emotion's run shows its own
            updates[slot.box] = gr.update(visible=False)
            continue
        clip_id = status.shortlist[i]
        row, clip = rows[clip_id], clip_info[clip_id]
        takes = finder_status.clip_takes(ws=ctx.ws, role=role, run_id=status.run_id, clip_id=clip_id)
        best = next((t for t in takes if t.audio), None)
        info = (f"**{i + 1}. {i18n('参考')} #{clip_id}** · {clip.text[:60]} · "
                + i18n("通过率 {}%（90% 区间 {}）· {} 条结果").format(f"{row.score:g}", f"{row.low:g}–{row.high:g}",
                                                                    row.takes))
        if status.stage != "done":
            info += " · " + i18n("暂定：还在试合成")
        updates.update({slot.box: gr.update(visible=True), slot.info: info,
                        slot.reference: str(clip_service.clip_audio_path(ctx.ws, role, clip)),
                        slot.take: gr.update(choices=[(_take_label(i18n, t), t.result_id) for t in takes],
                                             value=best.result_id if best else None),
                        slot.audio: str(best.audio) if best else None,
                        slot.spectrogram: str(best.spectrogram) if best and best.spectrogram else None})
    return updates


@handles("读取结果失败")
def play_take(ctx: UIContext, slot, *, role, run, result_id) -> dict:
    if not role or not run or result_id is None:
        return {}
    take = finder_status.probe_take(ws=ctx.ws, role=role, run_id=int(run), result_id=int(result_id))
    return {slot.audio: str(take.audio) if take.audio else None,
            slot.spectrogram: str(take.spectrogram) if take.spectrogram else None}


def _picked_take(ctx: UIContext, result_id) -> int:
    if result_id is None:
        raise gr.Error(ctx.i18n("请先选择一条结果"))
    return int(result_id)


@handles("读取结果失败")
def keep_as_product(ctx: UIContext, form: ProductForm, *, role, result_id) -> dict:
    role = require_role(ctx.i18n, role)
    result_id = _picked_take(ctx, result_id)
    return form.filled(result_id, products.suggest_name(ws=ctx.ws, role=role, result_id=result_id),
                       ctx.i18n("找参考"))


@handles("读取结果失败")
def to_long_text(ctx: UIContext, picker: LongTextPicker, *, result_id) -> dict:
    return picker.opened(_picked_take(ctx, result_id))


@handles("开始盲听失败")
def compare_blind(ctx: UIContext, pickers: AbPickers, *, role, run) -> dict:
    """A blind A/B session over the shortlist, opened in the A/B tab with its first pair."""
    role = require_role(ctx.i18n, role)
    if not run:
        raise gr.Error(ctx.i18n("请先选择找参考记录"))
    if emotion_runs.is_emotion_run(finder_runs.load_run(ctx.ws, role, int(run)).spec):
        raise gr.Error(ctx.i18n("这条记录按情绪各找一份名单：请在记录列表里选一种情绪的记录，再盲听比较它的名单"))
    started = start_blind_comparison(ws=ctx.ws, role=role, run_id=int(run))
    return pickers.opened(ctx, role, started)


@handles("删除找参考记录失败")
def delete(ctx: UIContext, tab, *, role, run) -> dict:
    role = require_role(ctx.i18n, role)
    if run:
        finder_runs.delete_run(ws=ctx.ws, runner=ctx.runner, role=role, run_id=int(run))
    return {tab.run: keep_choice(run_choices(ctx, role), None)}


@handles("放回候选失败")
def force(ctx: UIContext, tab, *, role, run, clip_id) -> dict:
    role = require_role(ctx.i18n, role)
    if not run or clip_id is None:
        raise gr.Error(ctx.i18n("请先选择记录并填写音频编号"))
    finder_runs.force_clip(ws=ctx.ws, role=role, run_id=int(run), clip_id=int(clip_id))
    ctx.finder.watch(role)
    return {tab.shown: ""}  # re-render at the next poll


@handles("读取失败")
def pick_screened(ctx: UIContext, tab, *, table, evt: gr.SelectData) -> dict:
    """A click on a screened clip puts its id in the force-back-in box."""
    return {tab.force_id: int(table.iloc[selected_row(evt)].iloc[0])}


@handles("读取失败")
def forget_shown(ctx: UIContext, tab) -> dict:
    return {tab.shown: ""}  # another run chosen: the next poll renders everything
