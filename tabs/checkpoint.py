"""Find-checkpoint tab: which GPT x SoVITS pair to ship, ranked by measured failure rate with a fraction of a grid."""
from __future__ import annotations

from dataclasses import dataclass

import gradio as gr
import pandas as pd

from ras.errors import NotFound
from ras.finder import config_run, config_stages
from ras.finder import run as finder_runs
from ras.finder.config_stages import ConfigStatus
from ras.finder.configs import EpochPoint
from tabs.common import Page, UIContext, connect, connect_each, handles, keep_choice, parse_ids, require_role
from tabs.finder_words import stage_label
from tabs.widgets import poll_timer

RANK_HEADERS = ("名次", "候选", "通过率", "下限", "上限", "条数", "重复", "吞字", "错字", "长停顿", "噪声", "音色偏移",
                "说话人相似度")
KIND_COLUMNS = ("repeat", "swallowed", "wrong_words", "long_pause", "noise", "voice_drift")
CHART_COLUMNS = ("epoch", "fail_rate")


@dataclass(frozen=True)
class CheckpointTab:
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
    timer: gr.Timer

    def view(self) -> list:
        return [self.summary, self.ranking, self.gpt_chart, self.sovits_chart]


def build(ctx: UIContext) -> CheckpointTab:
    i18n = ctx.i18n
    gr.Markdown(i18n("### 1. 选择模型"))
    gr.Markdown(i18n("训练后的 GPT 与 SoVITS 模型两两搭配，用容易出错的文本（长句、数字、叠词、短句、问句）分轮试合成，"
                     "明显更差的组合提前淘汰；按通过率的置信下限排名，用不到完整网格三分之一的作业。"))
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
        # a poll sent as a role switch empties the list still carries the old run: take it, show() drops it
        run = gr.Dropdown(label=i18n("找模型记录"), choices=[], scale=3, allow_custom_value=True,
                          elem_id="checkpoint_run")
        refresh = gr.Button(i18n("刷新"), scale=0, min_width=100, elem_id="checkpoint_refresh")
    summary = gr.Markdown(elem_id="checkpoint_summary")
    ranking = gr.Dataframe(headers=[i18n(h) for h in RANK_HEADERS], interactive=False, wrap=True, max_height=360,
                           elem_id="checkpoint_ranking")
    with gr.Row():
        gpt_chart = gr.LinePlot(x="epoch", y="fail_rate", title=i18n("失败率 — GPT 轮数"), y_lim=[0, 100],
                                x_title=i18n("轮数"), y_title=i18n("失败率 %"), elem_id="checkpoint_gpt_chart")
        sovits_chart = gr.LinePlot(x="epoch", y="fail_rate", title=i18n("失败率 — SoVITS 轮数"), y_lim=[0, 100],
                                   x_title=i18n("轮数"), y_title=i18n("失败率 %"), elem_id="checkpoint_sovits_chart")
    timer = poll_timer()
    return CheckpointTab(gpt, sovits, clip_ids, budget, start, run, refresh, summary, ranking, gpt_chart,
                         sovits_chart, timer)


def run_choices(ctx: UIContext, role: str | None) -> list[tuple[str, int]]:
    if not role:
        return []
    return [(f"#{r.run_id} {r.name}", r.run_id) for r in finder_runs.list_runs(ws=ctx.ws, role=role)
            if r.mode == "checkpoints"]


def ranking_rows(status: ConfigStatus) -> list[list]:
    rows = []
    for place, row in enumerate(status.ranking, start=1):
        rates = row.failure_rates
        rows.append([place, row.candidate.label, row.score, row.low, row.high, row.takes,
                     *(f"{100 * rates[kind]:.0f}%" for kind in KIND_COLUMNS), row.speaker_similarity])
    return rows


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
            tab.run: keep_choice(run_choices(ctx, role), run)}


@handles("启动找模型失败")
def start(ctx: UIContext, tab: CheckpointTab, *, role, gpt, sovits, clip_ids, budget) -> dict:
    role = require_role(ctx.i18n, role)
    spec = {"mode": "checkpoints", "gpt": gpt or [], "sovits": sovits or [], "clip_ids": parse_ids(clip_ids),
            "budget_jobs": int(budget) if budget else None}
    run_id = config_run.create_config_run(ws=ctx.ws, role=role, spec=spec, **ctx.backend.weight_choosers(),
                                          available_weights=ctx.backend.available_weights)
    ctx.finder.watch(role)
    return {tab.run: keep_choice(run_choices(ctx, role), run_id)}


@handles("读取找模型进度失败")
def show(ctx: UIContext, tab: CheckpointTab, *, role, run) -> dict:
    nothing = {tab.summary: "", tab.ranking: [], tab.gpt_chart: chart([]), tab.sovits_chart: chart([])}
    if not role or not run:
        return nothing
    try:
        status = config_stages.status(ws=ctx.ws, runner=ctx.runner, role=role, run_id=int(run))
    except NotFound:  # a run of the role the page just left (a poll crossing a role switch)
        return nothing
    by_epoch = status.failure_by_epoch
    return {tab.summary: summary_text(ctx.i18n, status), tab.ranking: ranking_rows(status),
            tab.gpt_chart: chart(by_epoch.get("gpt", [])), tab.sovits_chart: chart(by_epoch.get("sovits", []))}


def wire(tab: CheckpointTab, ctx: UIContext, page: Page) -> None:
    picked = {"role": page.role, "run": tab.run}
    connect_each(ctx, (tab.refresh.click, page.role.change, page.app.load), refresh, tab, picked,
                 [tab.gpt, tab.sovits, tab.run])
    connect(ctx, tab.start.click, start, tab, {"role": page.role, "gpt": tab.gpt, "sovits": tab.sovits,
                                               "clip_ids": tab.clip_ids, "budget": tab.budget}, tab.run)
    connect(ctx, tab.run.change, show, tab, picked, tab.view())
    connect(ctx, tab.timer.tick, show, tab, picked, tab.view(), show_progress="hidden")
