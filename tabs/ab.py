"""Blind A/B tab: two takes of the same text as A and B, answered by button or key, until the best is settled."""
from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from ras.ab import sessions
from ras.errors import InputError
from ras.products import rows as products
from tabs.common import (
    Page,
    UIContext,
    connect,
    connect_each,
    handles,
    parse_ids,
    refreshed_choice,
    require_role,
)
from tabs.shortcuts import AbPickers, ProductForm
from tabs.widgets import (
    POLL_SECONDS,
    picked_id,
    polled_picker,
    read_for_shown_role,
    task_choices,
    task_picker,
    task_picker_row,
)
from tabs.widgets import ab_session_choices as session_choices

RANKING_HEADERS = ("名次", "候选", "强度", "90% 区间", "票数", "自动评分", "人工评分")


@dataclass(frozen=True)
class AbTab:
    task: gr.Dropdown
    refresh: gr.Button
    result_ids: gr.Textbox
    start: gr.Button
    session: gr.Dropdown
    reset: gr.Button
    text: gr.Markdown
    audio_a: gr.Audio
    audio_b: gr.Audio
    choose_a: gr.Button
    choose_tie: gr.Button
    choose_b: gr.Button
    status: gr.Markdown
    more_takes: gr.Button
    timer: gr.Timer  # ticks only while nothing is left to play and takes are still on their way
    reveal: gr.Checkbox
    ranking: gr.Dataframe
    agreement: gr.Markdown
    keep: gr.Button
    pair_id: gr.State

    def view(self) -> list:
        """What showing a session fills in."""
        return [self.pair_id, self.text, self.audio_a, self.audio_b, self.status, self.ranking, self.agreement,
                self.more_takes, self.timer]


def build(ctx: UIContext) -> AbTab:
    i18n = ctx.i18n
    gr.Markdown(i18n("### 1. 选择任务"))
    gr.Markdown(i18n("候选是任务的配置（参数组 × 参考音频）。每次播放两个候选朗读同一句文本的结果，只标 A 和 B，"
                     "左右随机；参数在排名确定前隐藏。"))
    with gr.Row():
        task, refresh = task_picker_row(i18n, "ab")
        result_ids = gr.Textbox(label=i18n("只比较这些结果的配置（可选，结果编号）"), scale=2, elem_id="ab_result_ids")
        start = gr.Button(i18n("开始新的盲听"), variant="primary", scale=1, elem_id="ab_start")
    with gr.Row():
        session = polled_picker(i18n("继续已有的盲听"), "ab_session", scale=3)
        reset = gr.Button(i18n("清空本次投票"), variant="stop", scale=0, min_width=140, elem_id="ab_reset")
    gr.Markdown(i18n("### 2. 听并选择"))
    gr.Markdown(i18n("快捷键：← A 更好 · → B 更好 · 空格 一样 · A 重听 A · B 重听 B"))
    text = gr.Markdown(elem_id="ab_text")
    with gr.Row():
        audio_a = gr.Audio(label="A", type="filepath", interactive=False, elem_id="ab_audio_a")
        audio_b = gr.Audio(label="B", type="filepath", interactive=False, elem_id="ab_audio_b")
    with gr.Row():
        choose_a = gr.Button(i18n("← A 更好"), elem_id="ab_choose_a")
        choose_tie = gr.Button(i18n("一样（空格）"), elem_id="ab_choose_tie")
        choose_b = gr.Button(i18n("B 更好 →"), elem_id="ab_choose_b")
    status = gr.Markdown(elem_id="ab_status")
    more_takes = gr.Button(i18n("加赛：为难分的候选再合成几条"), visible=False, elem_id="ab_more_takes")
    timer = gr.Timer(POLL_SECONDS, active=False)
    gr.Markdown(i18n("### 3. 排名"))
    reveal = gr.Checkbox(label=i18n("显示参数（确定前显示会影响判断）"), value=False, elem_id="ab_reveal")
    ranking = gr.Dataframe(headers=[i18n(h) for h in RANKING_HEADERS], interactive=False, wrap=True,
                           elem_id="ab_ranking")
    agreement = gr.Markdown(elem_id="ab_agreement")
    keep = gr.Button(i18n("保留第一名为成品…"), elem_id="ab_keep")
    return AbTab(task, refresh, result_ids, start, session, reset, text, audio_a, audio_b, choose_a, choose_tie,
                 choose_b, status, more_takes, timer, reveal, ranking, agreement, keep, gr.State(None))


def ranking_rows(i18n, ranked: sessions.Ranking, reveal: bool) -> list[list]:
    show = reveal or ranked.decided
    return [[place, row.label if show else f"{i18n('候选')} {row.candidate}", row.strength,
             f"{row.low:+.2f} … {row.high:+.2f}", row.votes,
             "" if row.auto_score is None else round(row.auto_score, 1),
             "" if row.human_score is None else row.human_score]
            for place, row in enumerate(ranked.ranking, start=1)]


def status_text(i18n, ranked: sessions.Ranking, pair: sessions.PairToPlay) -> str:
    state = (f"✔ {i18n('最佳已确定')}" if ranked.decided
             else f"… {i18n('尚未确定（第一名需以 90% 概率胜过其余每一个）')}")
    parts = [state, f"{i18n('已投票')} {ranked.votes}"]
    if ranked.takes_pending:
        parts.append(f"{i18n('正在合成加赛音频')}: {ranked.takes_pending} · {i18n('合成完成后自动继续')}")
    if ranked.takes_unanalysed:
        parts.append(f"{i18n('等待分析的音频')}: {ranked.takes_unanalysed} · {i18n('分析完成后自动评分会更新排名')}")
    if pair.pair_id is None and not ranked.takes_pending:  # what is left to the listener
        if ranked.too_close:
            places = [place for place, row in enumerate(ranked.ranking, start=1) if row.candidate in ranked.too_close]
            parts.append(f"{i18n('听不出差别的前几名')}: {', '.join(f'#{p}' for p in places)} · "
                         f"{i18n('每条音频都已比较过：点“加赛”再合成几条，或任选其一')}")
        else:
            parts.append(i18n("所有组合都已听过，可以清空后重来"))
    elif pair.pair_id is not None and ranked.decided:
        parts.append(i18n("可以继续投票，让排名更可靠"))
    return " · ".join(parts)


def agreement_text(i18n, ranked: sessions.Ranking) -> str:
    def shown(value):
        return "–" if value is None else f"{value:+.2f}"

    found = ranked.agreement
    return (f"{i18n('与自动评分的一致性')} (Spearman): **{shown(found.auto)}** · "
            f"{i18n('与人工评分的一致性')}: **{shown(found.human)}**")


def _session_view(ctx: UIContext, tab: AbTab, role, session_id, reveal) -> dict:
    """The pair to play, the status line and the ranking of a session (blank without one)."""
    if not role or picked_id(session_id) is None:
        return {tab.pair_id: None, tab.text: "", tab.audio_a: None, tab.audio_b: None, tab.status: "",
                tab.ranking: [], tab.agreement: "", tab.more_takes: gr.Button(visible=False),
                tab.timer: gr.Timer(active=False)}
    i18n = ctx.i18n
    view = sessions.session_view(ws=ctx.ws, role=role, session_id=int(session_id))
    pair, ranked = view.pair, view.ranking
    nothing_to_play = pair.pair_id is None
    # the timer only ticks while nothing plays (a tick re-renders the players), until nothing is on its way
    waiting = nothing_to_play and not ranked.settled
    can_decide = nothing_to_play and not ranked.takes_pending and bool(ranked.too_close)
    return {tab.pair_id: pair.pair_id, tab.text: f"**{i18n('文本')}**: {pair.text}" if pair.pair_id else "",
            tab.audio_a: pair.a, tab.audio_b: pair.b, tab.status: status_text(i18n, ranked, pair),
            tab.ranking: ranking_rows(i18n, ranked, reveal), tab.agreement: agreement_text(i18n, ranked),
            tab.more_takes: gr.Button(visible=can_decide), tab.timer: gr.Timer(active=waiting)}


def _session_id(ctx: UIContext, session) -> int:
    if not session:
        raise gr.Error(ctx.i18n("请先开始或选择一次盲听"))
    return int(session)


def _result_ids(text: str | None) -> list[int]:
    try:
        return parse_ids(text)
    except ValueError:
        raise InputError(f"result ids must be whole numbers separated by commas or spaces: {text!r}") from None


def _task_picker(ctx: UIContext, role, current, shown) -> dict:
    """The role's tasks, keeping `current` while it is one of them, else on the task of the role's newest
    session: the role's newest task may have none, and the resume list shows only the picked task's.
    `shown`: what the picker shows now."""
    options = task_choices(ctx, role)
    if role and current not in [value for _, value in options]:
        newest = sessions.list_sessions(ws=ctx.ws, role=role)
        current = newest[0].task_id if newest else None
    return refreshed_choice(options, shown, current)


@handles("读取任务失败")
def refresh_task(ctx: UIContext, tab: AbTab, *, role, current) -> dict:
    return {tab.task: _task_picker(ctx, role, current, current)}


@handles("读取任务失败")
def on_role(ctx: UIContext, tab: AbTab, *, role, shown=None) -> dict:
    # task ids are counted per role: the number picked for the role left behind says nothing about this one
    return {tab.task: _task_picker(ctx, role, None, shown)}


@handles("读取盲听记录失败")
def on_task(ctx: UIContext, tab: AbTab, *, role, task, session) -> dict:
    # a session opened from another tab arrives with its task: keep it when it belongs to that task
    return {tab.session: refreshed_choice(session_choices(ctx, role, task), session)}


@handles("开始盲听失败")
def start(ctx: UIContext, tab: AbTab, *, role, task, result_ids, reveal) -> dict:
    role = require_role(ctx.i18n, role)
    if not task:
        raise gr.Error(ctx.i18n("请先选择任务"))
    started = sessions.start_session(ws=ctx.ws, role=role, task_id=int(task), result_ids=_result_ids(result_ids))
    picker = gr.update(choices=session_choices(ctx, role, task), value=started.session_id)
    return {tab.session: picker, **_session_view(ctx, tab, role, started.session_id, reveal)}


@handles("读取下一对失败")
def load(ctx: UIContext, tab: AbTab, *, role, session, reveal) -> dict:
    return read_for_shown_role(lambda: _session_view(ctx, tab, role, session, reveal),
                               lambda: _session_view(ctx, tab, role, None, reveal), report_deleted_role=False)


def _vote(ctx: UIContext, tab: AbTab, choice: str, role, session, pair_id, reveal, task) -> dict:
    if not role or not session or pair_id is None:
        raise gr.Error(ctx.i18n("请先开始或选择一次盲听"))
    sessions.vote(ws=ctx.ws, role=role, session_id=int(session), pair_id=int(pair_id), choice=choice)
    # choices only, so the picker's labels show the new vote count; its value stays the user's
    return {tab.session: gr.update(choices=session_choices(ctx, role, task)),
            **_session_view(ctx, tab, role, session, reveal)}


@handles("保存选择失败")
def choose_a(ctx: UIContext, tab: AbTab, *, role, session, pair_id, reveal, task) -> dict:
    return _vote(ctx, tab, "a", role, session, pair_id, reveal, task)


@handles("保存选择失败")
def choose_b(ctx: UIContext, tab: AbTab, *, role, session, pair_id, reveal, task) -> dict:
    return _vote(ctx, tab, "b", role, session, pair_id, reveal, task)


@handles("保存选择失败")
def choose_tie(ctx: UIContext, tab: AbTab, *, role, session, pair_id, reveal, task) -> dict:
    return _vote(ctx, tab, "tie", role, session, pair_id, reveal, task)


@handles("重置盲听失败")
def reset(ctx: UIContext, tab: AbTab, *, role, session, reveal, task) -> dict:
    if role and session:
        sessions.reset_session(ws=ctx.ws, role=role, session_id=int(session))
    return {tab.session: gr.update(choices=session_choices(ctx, role, task)),
            **_session_view(ctx, tab, role, session, reveal)}


@handles("加赛失败")
def more_takes(ctx: UIContext, tab: AbTab, *, role, session, reveal) -> dict:
    role = require_role(ctx.i18n, role)
    sessions.add_deciding_takes(ws=ctx.ws, runner=ctx.runner, role=role, session_id=_session_id(ctx, session))
    return _session_view(ctx, tab, role, session, reveal)


@handles("读取排名失败")
def keep(ctx: UIContext, form: ProductForm, *, role, session) -> dict:
    """Fill the products tab with the first-ranked candidate's best take and open it."""
    role, session_id = require_role(ctx.i18n, role), _session_id(ctx, session)
    ranked = sessions.ranking(ws=ctx.ws, role=role, session_id=session_id)
    winner = ranked.best or ranked.ranking[0].candidate
    result_id = sessions.best_take(ws=ctx.ws, role=role, session_id=session_id, candidate_id=winner)
    return form.filled(result_id, products.suggest_name(ws=ctx.ws, role=role, result_id=result_id),
                       f"{ctx.i18n('盲听第一名')} · {ranked.votes} {ctx.i18n('票')}")


@handles("读取结果失败")
def open_from_evaluate(ctx: UIContext, pickers: AbPickers, *, role, task) -> dict:
    return {pickers.task: task_picker(ctx, role, task), pickers.tabs: gr.Tabs(selected="ab")}


def wire(tab: AbTab, ctx: UIContext, page: Page, *, product_form: ProductForm, evaluate_ab: gr.Button,
         evaluate_task: gr.Dropdown) -> None:
    shown = {"role": page.role, "session": tab.session, "reveal": tab.reveal}
    connect_each(ctx, (tab.refresh.click, page.app.load), refresh_task, tab, {"role": page.role, "current": tab.task},
                 tab.task)
    connect(ctx, page.role.change, on_role, tab, {"role": page.role, "shown": tab.task}, tab.task)
    connect(ctx, tab.task.change, on_task, tab, {"role": page.role, "task": tab.task, "session": tab.session},
            tab.session)
    connect(ctx, tab.start.click, start, tab,
            {"role": page.role, "task": tab.task, "result_ids": tab.result_ids, "reveal": tab.reveal},
            [tab.session, *tab.view()])
    connect_each(ctx, (tab.session.change, tab.reveal.change), load, tab, shown, tab.view())
    connect(ctx, tab.timer.tick, load, tab, shown, tab.view(), show_progress="hidden")
    connect(ctx, tab.more_takes.click, more_takes, tab, shown, tab.view())
    voting = {**shown, "pair_id": tab.pair_id, "task": tab.task}
    for button, handler in ((tab.choose_a, choose_a), (tab.choose_b, choose_b), (tab.choose_tie, choose_tie)):
        connect(ctx, button.click, handler, tab, voting, [tab.session, *tab.view()])
    connect(ctx, tab.reset.click, reset, tab, {**shown, "task": tab.task}, [tab.session, *tab.view()])
    connect(ctx, tab.keep.click, keep, product_form, {"role": page.role, "session": tab.session},
            product_form.outputs())
    connect(ctx, evaluate_ab.click, open_from_evaluate, AbPickers(page.tabs, tab.task, tab.session),
            {"role": page.role, "task": evaluate_task}, [tab.task, page.tabs])
