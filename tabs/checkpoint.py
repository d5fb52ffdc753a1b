"""Find-checkpoint tab: which GPT x SoVITS pair to ship, ranked by measured failure rate with a fraction of a grid."""
from __future__ import annotations

from dataclasses import dataclass

import gradio as gr
import pandas as pd

from ras.errors import InputError
from ras.finder import config_run, config_stages
from ras.finder import run as finder_runs
from ras.finder.config_stages import ConfigStatus
from ras.finder.configs import EpochPoint
from tabs.common import (
    Page,
    UIContext,
    choices,
    connect,
    connect_each,
    handles,
    keep_choice,
    parse_ids,
    refreshed_choice,
    require_role,
)
from tabs.finder_blind import start_blind_comparison
from tabs.finder_keep import product_offer
from tabs.finder_words import stage_label
from tabs.shortcuts import AbPickers, ProductForm
from tabs.widgets import picked_id, poll_timer, polled_picker, read_for_shown_role

# a failure kind's column holds the share of the candidate's takes that failed that way
RANK_HEADERS = ("名次", "候选", "通过率", "下限", "上限", "条数", "重复率", "吞字率", "错字率", "长停顿率", "噪声率",
                "音色偏移率", "说话人相似度")
MODES = (("模型组合", "checkpoints"), ("采样参数（模型固定）", "settings"))
VARY_EXAMPLE = "top_k=5,15,30; temperature=0.8,1.0"
KIND_COLUMNS = ("repeat", "swallowed", "wrong_words", "long_pause", "noise", "voice_drift")
CHART_COLUMNS = ("epoch", "fail_rate")


@dataclass(frozen=True)
class CheckpointTab:
    mode: gr.Radio  # checkpoints: weight pairs; settings: sampling settings with the weights fixed
    vary: gr.Textbox  # the settings compared, e.g. "top_k=5,15,30; temperature=0.8,1.0"
    gpt: gr.CheckboxGroup
    sovits: gr.CheckboxGroup
    clip_ids: gr.Textbox
    budget: gr.Number
    start: gr.Button
    run: gr.Dropdown
    refresh: gr.Button
    summary: gr.Markdown
    ranking: gr.Dataframe
    gpt_chart: gr.LinePlot
    sovits_chart: gr.LinePlot
    candidate: gr.Dropdown
    keep: gr.Button
    compare: gr.Button
    timer: gr.Timer
    offered: gr.State  # "<run>:<stage>" the candidate picker was filled for: polls leave it alone while it holds

    def view(self) -> list:
        return [self.summary, self.ranking, self.gpt_chart, self.sovits_chart, self.candidate, self.offered]


def build(ctx: UIContext) -> CheckpointTab:
    i18n = ctx.i18n
    gr.Markdown(i18n("### 1. 选择模型"))
    gr.Markdown(i18n("训练后的 GPT 与 SoVITS 模型两两搭配，用容易出错的文本（长句、数字、叠词、短句、问句）分轮试合成，"
                     "明显更差的组合提前淘汰；按通过率的置信下限排名，用不到完整网格三分之一的作业。"))
    with gr.Row():
        mode = gr.Radio(choices(i18n, MODES), value="checkpoints", label=i18n("比较什么"), elem_id="checkpoint_mode")
        vary = gr.Textbox(label=i18n("要比较的采样参数（比较采样参数时）"), placeholder=VARY_EXAMPLE, scale=2,
                          elem_id="checkpoint_vary")
    with gr.Row():
        gpt = gr.CheckboxGroup(label=i18n("GPT 模型（不选 = 全部）"), choices=[], elem_id="checkpoint_gpt")
        sovits = gr.CheckboxGroup(label=i18n("SoVITS 模型（不选 = 全部）"), choices=[], elem_id="checkpoint_sovits")
    with gr.Row():
        clip_ids = gr.Textbox(label=i18n("参考音频编号（最多 3 个；空 = 最近一次找参考的前三名）"),
                              elem_id="checkpoint_clip_ids")
        budget = gr.Number(value=0, minimum=0, precision=0, label=i18n("作业预算（0 = 默认）"),
                           elem_id="checkpoint_budget")
        start = gr.Button(i18n("开始找模型"), variant="primary", elem_id="checkpoint_start")
    gr.Markdown(i18n("### 2. 排名"))
    with gr.Row():
        run = polled_picker(i18n("找模型记录"), "checkpoint_run", scale=3)
        refresh = gr.Button(i18n("刷新"), scale=0, min_width=100, elem_id="checkpoint_refresh")
    summary = gr.Markdown(elem_id="checkpoint_summary")
    ranking = gr.Dataframe(headers=[i18n(h) for h in RANK_HEADERS], interactive=False, wrap=True, max_height=360,
                           elem_id="checkpoint_ranking")
    with gr.Row():
        gpt_chart = gr.LinePlot(x="epoch", y="fail_rate", title=i18n("失败率 — GPT 轮数"), y_lim=[0, 100],
                                x_title=i18n("轮数"), y_title=i18n("失败率 %"), elem_id="checkpoint_gpt_chart")
        sovits_chart = gr.LinePlot(x="epoch", y="fail_rate", title=i18n("失败率 — SoVITS 轮数"), y_lim=[0, 100],
                                   x_title=i18n("轮数"), y_title=i18n("失败率 %"), elem_id="checkpoint_sovits_chart")
    gr.Markdown(i18n("### 3. 用推荐的模型"))
    gr.Markdown(i18n("存为成品：用该候选在第一个参考音频上最好的一条结果（它的 GPT、SoVITS 模型和参数）新建成品，"
                     "在成品页命名后创建。盲听对比：最后一轮的前几名（2–4 个）用第一个参考音频已合成的结果两两盲听，"
                     "不再合成。"))
    with gr.Row():
        candidate = gr.Dropdown(label=i18n("候选（默认 = 推荐）"), choices=[], scale=3, allow_custom_value=True,
                                elem_id="checkpoint_candidate")
        keep = gr.Button(i18n("存为成品…"), scale=1, elem_id="checkpoint_keep")
        compare = gr.Button(i18n("盲听对比前几名"), scale=1, elem_id="checkpoint_compare_blind")
    timer = poll_timer()
    return CheckpointTab(mode, vary, gpt, sovits, clip_ids, budget, start, run, refresh, summary, ranking, gpt_chart,
                         sovits_chart, candidate, keep, compare, timer, gr.State(""))


def parse_vary(i18n, text) -> dict[str, list[str]]:
    """"top_k=5,15,30; temperature=0.8,1.0" -> {"top_k": ["5", "15", "30"], ...}; the service checks the values."""
    vary = {}
    for part in filter(None, (p.strip() for p in str(text or "").replace("；", ";").split(";"))):
        name, _, values = part.partition("=")
        found = [v.strip() for v in values.replace("，", ",").split(",") if v.strip()]
        if not name.strip() or not found:
            raise gr.Error(i18n("采样参数的写法：{}").format(VARY_EXAMPLE))
        vary[name.strip()] = found
    if not vary:
        raise gr.Error(i18n("请填写要比较的采样参数，例如 {}").format(VARY_EXAMPLE))
    return vary


def run_choices(ctx: UIContext, role: str | None) -> list[tuple[str, int]]:
    if not role:
        return []
    words = {value: ctx.i18n(label) for label, value in MODES}
    return [(f"#{r.run_id} {r.name} · {words[r.mode]}", r.run_id) for r in finder_runs.list_runs(ws=ctx.ws, role=role)
            if r.mode in words]


def ranking_rows(status: ConfigStatus) -> list[list]:
    rows = []
    for place, row in enumerate(status.ranking, start=1):
        rates = row.failure_rates
        rows.append([place, row.candidate.label, row.score, row.low, row.high, row.takes,
                     *(f"{100 * rates[kind]:.0f}%" for kind in KIND_COLUMNS), row.speaker_similarity])
    return rows


def candidate_choices(status: ConfigStatus) -> list[tuple[str, int]]:
    """A finished run's ranked candidates with takes, best first (what can be kept as a product)."""
    if status.stage != "done":
        return []
    return [(f"{place}. {row.candidate.label}", row.index)
            for place, row in enumerate(status.ranking, start=1) if row.takes]


def summary_text(i18n, status: ConfigStatus) -> str:
    line = (f"{i18n('阶段')}: **{stage_label(i18n, status.stage)}** · {status.jobs_done}/"
            f"{status.jobs_total} {i18n('作业')} · {i18n('完整网格')} {status.full_grid_jobs} · "
            f"{i18n('模型加载次数')} {status.weight_loads}")
    best = status.recommended
    if best:
        line += (f"\n\n{i18n('推荐')}: **{best.candidate.label}** · {i18n('通过率')} {best.score}% "
                 f"[{best.low}–{best.high}] · {i18n('条数')} {best.takes}")
    if status.error:
        line += f"\n\n{status.error}"
    return line


def chart(points: list[EpochPoint]) -> pd.DataFrame:
    return pd.DataFrame([(p.epoch, round(100 * p.fail_rate, 1)) for p in points], columns=list(CHART_COLUMNS))


@handles("读取模型失败")
def refresh(ctx: UIContext, tab: CheckpointTab, *, role, run) -> dict:
    models = ctx.backend.list_models()
    return {tab.gpt: gr.update(choices=[(w.name, w.file) for w in models.gpt]),
            tab.sovits: gr.update(choices=[(w.name, w.file) for w in models.sovits]),
            tab.run: refreshed_choice(run_choices(ctx, role), run)}


@handles("启动找模型失败")
def start(ctx: UIContext, tab: CheckpointTab, *, role, gpt, sovits, clip_ids, budget, mode="checkpoints",
          vary="") -> dict:
    role = require_role(ctx.i18n, role)
    spec = {"mode": "checkpoints", "gpt": gpt or [], "sovits": sovits or [], "clip_ids": parse_ids(clip_ids),
            "budget_jobs": int(budget) if budget else None}
    if mode == "settings":
        if len(gpt or []) > 1 or len(sovits or []) > 1:
            raise gr.Error(ctx.i18n("比较采样参数时模型固定：GPT 和 SoVITS 各选一个（不选 = 默认模型）"))
        spec.update(mode="settings", vary=parse_vary(ctx.i18n, vary), gpt=(gpt or [""])[0],
                    sovits=(sovits or [""])[0])
    run_id = config_run.create_config_run(ws=ctx.ws, role=role, spec=spec, **ctx.backend.weight_choosers(),
                                          available_weights=ctx.backend.available_weights)
    ctx.finder.watch(role)
    return {tab.run: keep_choice(run_choices(ctx, role), run_id)}


@handles("读取找模型进度失败")
def show(ctx: UIContext, tab: CheckpointTab, *, role, run, offered="") -> dict:
    nothing = {tab.summary: "", tab.ranking: [], tab.gpt_chart: chart([]), tab.sovits_chart: chart([]),
               tab.candidate: keep_choice([], None), tab.offered: ""}
    if not role or picked_id(run) is None:
        return nothing
    status = read_for_shown_role(lambda: config_stages.status(ws=ctx.ws, runner=ctx.runner, role=role,
                                                              run_id=int(run)),
                                 lambda: None, report_deleted_role=False)
    if status is None:
        return nothing
    by_epoch = status.failure_by_epoch
    shown = {tab.summary: summary_text(ctx.i18n, status), tab.ranking: ranking_rows(status),
             tab.gpt_chart: chart(by_epoch.get("gpt", [])), tab.sovits_chart: chart(by_epoch.get("sovits", []))}
    now = f"{status.run_id}:{status.stage}"
    if now != offered:  # refilled only when the run or its stage changes: a poll never undoes a person's pick
        recommended = status.recommended.index if status.recommended else None
        shown.update({tab.candidate: keep_choice(candidate_choices(status), recommended), tab.offered: now})
    return shown


def _picked_run(ctx: UIContext, role, run) -> tuple[str, int]:
    role = require_role(ctx.i18n, role)
    if not run:
        raise gr.Error(ctx.i18n("请先选择找模型记录"))
    return role, int(run)


@handles("读取结果失败")
def keep_as_product(ctx: UIContext, form: ProductForm, *, role, run, candidate) -> dict:
    """The candidate's take (the recommended one's by default) in the products tab's form, with a name to change."""
    role, run_id = _picked_run(ctx, role, run)
    offer = product_offer(ws=ctx.ws, role=role, run_id=run_id, index=_candidate_index(candidate))
    return form.filled(offer.result_id, offer.name, f"{ctx.i18n('找模型')} #{run_id}: {offer.candidate}")


def _candidate_index(candidate) -> int | None:
    """The picked candidate's index; None (the recommended one) when nothing is picked."""
    if candidate in (None, ""):
        return None
    try:
        return int(candidate)
    except (TypeError, ValueError):  # typed into the picker instead of chosen from it
        raise InputError(f"candidate {str(candidate)[:40]!r} is not in the list; pick one of the ranking's "
                         "candidates") from None


@handles("开始盲听失败")
def compare_blind(ctx: UIContext, pickers: AbPickers, *, role, run) -> dict:
    """A blind A/B session over the top finalists, opened in the A/B tab with its first pair."""
    role, run_id = _picked_run(ctx, role, run)
    started = start_blind_comparison(ws=ctx.ws, role=role, run_id=run_id)
    return pickers.opened(ctx, role, started)


def wire(tab: CheckpointTab, ctx: UIContext, page: Page, *, product_form: ProductForm, ab_pickers: AbPickers) -> None:
    picked = {"role": page.role, "run": tab.run}
    connect_each(ctx, (tab.refresh.click, page.role.change, page.app.load), refresh, tab, picked,
                 [tab.gpt, tab.sovits, tab.run])
    connect(ctx, tab.start.click, start, tab, {"role": page.role, "gpt": tab.gpt, "sovits": tab.sovits,
                                               "clip_ids": tab.clip_ids, "budget": tab.budget, "mode": tab.mode,
                                               "vary": tab.vary}, tab.run)
    shown = {**picked, "offered": tab.offered}
    connect(ctx, tab.run.change, show, tab, shown, tab.view())
    connect(ctx, tab.timer.tick, show, tab, shown, tab.view(), show_progress="hidden")
    connect(ctx, tab.keep.click, keep_as_product, product_form, {**picked, "candidate": tab.candidate},
            product_form.outputs())
    connect(ctx, tab.compare.click, compare_blind, ab_pickers, picked, ab_pickers.outputs())
