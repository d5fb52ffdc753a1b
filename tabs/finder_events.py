"""Events of the find-reference tab: start a run, poll it, force a clip in, play the shortlist's takes."""
from __future__ import annotations

import json

import gradio as gr
import pandas as pd

from ras.classify import groups as classify_service
from ras.finder import run as finder_runs
from ras.finder import stages
from ras.library import clips as clip_service
from ras.library import texts
from ras.products import rows as products
from ras.queue import jobs
from tabs.common import Page, UIContext, keep_choice, parse_ids, require_role, ui_action
from tabs.finder_blind import start_blind_comparison
from tabs.flag_labels import flag_words
from tabs.widgets import PRIVATE, ab_session_choices, task_choices

SLOT_OUTPUTS = 6  # box, info, reference, take, audio, spectrogram


def stage_label(i18n, stage: str) -> str:
    return {"screen": i18n("筛查中"), "probe": i18n("试合成中"), "rank": i18n("排名中"), "done": i18n("完成"),
            "failed": i18n("失败")}.get(stage, stage)


def reason_labels(i18n) -> dict[str, str]:
    """Reason codes of screening and ranking (the API keeps the codes) in the page language."""
    return {"duration": i18n("时长不在 3–10 秒"), "empty_text": i18n("没有文本"),
            "implausible_text": i18n("文本与时长不符"), "asr_mismatch": i18n("识别文本不符"),
            "noisy": i18n("噪声大"), "clipped": i18n("爆音"), "long_silence": i18n("句中长静音"),
            "other_voice": i18n("音色不同"), "duplicate": i18n("重复"), "unreadable": i18n("无法读取"),
            "failures": i18n("失败"), "unstable_duration": i18n("语速不稳"), "voice_drift": i18n("音色偏移"),
            "few_takes": i18n("条数少"), "shared_flags": i18n("同一文本普遍的问题（不计）")}


def reason_words(i18n, reasons: list[str]) -> str:
    """'code: detail' reasons with the code in the page language."""
    words, labels = [], reason_labels(i18n)
    for reason in reasons:
        code, _, detail = reason.partition(":")
        words.append(f"{labels[code]}:{detail}" if code in labels else reason)
    return "; ".join(words)


def run_choices(ctx: UIContext, i18n, role: str | None) -> list[tuple[str, int]]:
    if not role:
        return []
    return [(f"#{r['run_id']} {r['name']} · {stage_label(i18n, r['stage'])}", r["run_id"])
            for r in finder_runs.list_runs(ws=ctx.ws, role=role)]


def progress_html(i18n, status: dict) -> str:
    total = max(status["jobs_total"], 1)
    pct = min(100.0, 100 * status["jobs_done"] / total)
    colour = "#dc2626" if status["stage"] == "failed" else "#f97316"
    line = (f"{i18n('阶段')}: <b>{stage_label(i18n, status['stage'])}</b> · {status['jobs_done']}/"
            f"{status['jobs_total']} {i18n('作业')} · {i18n('完整网格')} {status['full_grid_jobs']}")
    if status["eta_seconds"] is not None:
        line += f" · {i18n('预计剩余')} {status['eta_seconds'] // 60} min {status['eta_seconds'] % 60} s"
    if status["stop_reason"]:
        line += f" · {i18n('停止原因')}: {status['stop_reason']}"
    if status["error"]:
        line += f"<br><span style='color:#dc2626'>{status['error']}</span>"
    return (f'<div style="border:1px solid #ccc;border-radius:6px;height:22px;overflow:hidden">'
            f'<div style="width:{pct:.1f}%;height:100%;background:{colour}"></div></div>'
            f'<div style="margin-top:4px">{line}</div>')


def screened_rows(i18n, status: dict, clip_info: dict) -> list[list]:
    rows = []
    for row in sorted(status["screened"], key=lambda r: (not r["excluded"], r["clip_id"])):
        clip = clip_info.get(row["clip_id"])
        mark = i18n("强制放回") if row["forced"] else (i18n("是") if row["excluded"] else "")
        rows.append([row["clip_id"], clip.text[:40] if clip else "", clip.duration if clip else None, mark,
                     reason_words(i18n, row["reasons"])])
    return rows


def ranking_rows(i18n, status: dict) -> list[list]:
    return [[i + 1, r["clip_id"], r["score"], r["low"], r["high"], r["takes"], r["failed_takes"],
             r["median_auto_score"], r["speaker_similarity"], reason_words(i18n, r["reasons"])]
            for i, r in enumerate(status["ranking"])]


def chart_frame(status: dict) -> pd.DataFrame:
    rows = [{"clip": f"#{r['clip_id']}", "low": r["low"]} for r in status["ranking"][:20]]
    return pd.DataFrame(rows or [{"clip": "", "low": 0.0}])


def hidden_slots(count: int) -> list:
    return ([gr.update(visible=False)] + [gr.update()] * (SLOT_OUTPUTS - 1)) * count


def wire_events(tab, ctx: UIContext, page: Page, *, product_form: tuple, long_text_results: gr.Dropdown,
                ab_pickers: tuple) -> None:
    """tab: the FinderTab that tabs.finder built (its slots say how long a shortlist the page shows)."""
    i18n, role_picker, backend, runner = ctx.i18n, page.role, ctx.backend, ctx.runner
    shortlist_ids, shown = gr.State([]), gr.State("")
    max_shortlist = len(tab.slots)
    slot_outputs = [c for s in tab.slots for c in (s.box, s.info, s.reference, s.take, s.audio, s.spectrogram)]

    def job_seconds(role):
        return runner.median_job_seconds() or (jobs.typical_job_seconds(ctx.ws, role) if role else None)

    @ui_action(i18n, "读取失败")
    def refresh(role, gpt, sovits, group, run):
        models = backend.list_models() if backend.configured else None
        gpts, sovits_names = (models.names("gpt"), models.names("sovits")) if models else ([], [])
        group_choices = [(f"{g.group} ({g.count})", g.id)
                         for g in (classify_service.list_groups(ws=ctx.ws, role=role) if role else [])]
        text_choices = [(f"[{t.lang}] {t.content[:50]}", t.id) for t in texts.list_texts(ws=ctx.ws)]
        return (gr.update(choices=gpts, value=gpt if gpt in gpts else (gpts[0] if gpts else None)),
                gr.update(choices=sovits_names, value=sovits if sovits in sovits_names else
                          (sovits_names[0] if sovits_names else None)),
                keep_choice(group_choices, group), gr.update(choices=text_choices),
                keep_choice(run_choices(ctx, i18n, role), run))

    def subset_of(subset, group, clip_ids) -> dict:
        if subset == "group":
            if group is None:
                raise gr.Error(i18n("请先选择分组"))
            return {"group_id": int(group)}
        if subset == "ids":
            ids = parse_ids(clip_ids)
            if not ids:
                raise gr.Error(i18n("请填写音频编号"))
            return {"clip_ids": ids}
        return {}

    @ui_action(i18n, "估算失败")
    def estimate(role, subset, group, clip_ids, chosen_texts, budget, shortlist):
        if not role:
            return ""
        found = finder_runs.estimate(ws=ctx.ws, role=role, **subset_of(subset, group, clip_ids),
                                     texts_count=len(chosen_texts) if chosen_texts else 4,
                                     shortlist=int(shortlist or 5), job_seconds=job_seconds(role))
        jobs_planned = int(budget) if budget else found["budget_jobs"]
        minutes = f" ≈ {round(jobs_planned * job_seconds(role) / 60, 1)} min" if job_seconds(role) else ""
        return (f"{found['usable']}/{found['clips']} {i18n('条音频时长可用')} · {i18n('约')} {jobs_planned} "
                f"{i18n('个作业')}{minutes} {i18n('（按最近的速度）')} · {i18n('完整网格')} {found['full_grid_jobs']}")

    @ui_action(i18n, "启动找参考失败")
    def start(role, gpt, sovits, subset, group, clip_ids, chosen_texts, budget, shortlist, *base_values):
        role = require_role(i18n, role)
        spec = {"gpt": gpt, "sovits": sovits, **subset_of(subset, group, clip_ids),
                "text_ids": [int(t) for t in chosen_texts or []], "shortlist": int(shortlist or 5),
                "budget_jobs": int(budget) if budget else None, "base": dict(zip(tab.base, base_values))}
        run_id = finder_runs.create_run(ws=ctx.ws, role=role, spec=spec, **backend.weight_choosers())
        ctx.finder.watch(role)
        return keep_choice(run_choices(ctx, i18n, role), run_id)

    @ui_action(i18n, "读取找参考进度失败")
    def poll(role, run_id, last_shown):
        if not role or not run_id:
            return ["", [], [], chart_frame({"ranking": []}), [], "", gr.update()] + hidden_slots(max_shortlist)
        status = stages.status(ws=ctx.ws, runner=runner, role=role, run_id=int(run_id))
        signature = json.dumps([status["stage"], status["screened"], status["ranking"], status["shortlist"]])
        if signature == last_shown:  # unchanged: leave tables and players alone (listening goes on)
            return [progress_html(i18n, status)] + [gr.update()] * 4 + [last_shown, gr.update()] + \
                [gr.update()] * (SLOT_OUTPUTS * max_shortlist)
        clip_ids = [r["clip_id"] for r in status["screened"]]
        clip_info = clip_service.get_clips(ws=ctx.ws, role=role, clip_ids=clip_ids) if clip_ids else {}
        # the run picker's labels name each run's stage: relabel them when this one moves on
        return ([progress_html(i18n, status), screened_rows(i18n, status, clip_info), ranking_rows(i18n, status),
                 chart_frame(status), status["shortlist"], signature,
                 gr.update(choices=run_choices(ctx, i18n, role))]
                + slot_updates(role, int(run_id), status, clip_info))

    def slot_updates(role, run_id, status, clip_info) -> list:
        rows = {r["clip_id"]: r for r in status["ranking"]}
        updates = []
        for i in range(max_shortlist):
            if i >= len(status["shortlist"]):
                updates += hidden_slots(1)
                continue
            clip_id = status["shortlist"][i]
            row, clip = rows[clip_id], clip_info[clip_id]
            takes = stages.clip_takes(ws=ctx.ws, role=role, run_id=run_id, clip_id=clip_id)
            options = [(f"#{t['result_id']} · {t['text'][:24]} · seed {t['seed']} · "
                        f"{t['auto_score'] if t['auto_score'] is not None else '-'}"
                        + (f" · {flag_words(i18n, t['flags'])}" if t["flags"] else ""), t["result_id"]) for t in takes]
            best = next((t for t in takes if t["audio"]), None)
            info = (f"**{i + 1}. {i18n('参考')} #{clip_id}** · {clip.text[:60]} · {i18n('通过率')} {row['score']}% "
                    f"[{row['low']}–{row['high']}] · {row['takes']} {i18n('条')}")
            updates += [gr.update(visible=True), info, str(clip_service.clip_audio_path(ctx.ws, role, clip)),
                        gr.update(choices=options, value=best["result_id"] if best else None),
                        best["audio"] if best else None, best["spectrogram"] if best else None]
        return updates

    @ui_action(i18n, "读取结果失败")
    def play_take(role, run_id, index, result_id, ids):
        if not role or not run_id or result_id is None or index >= len(ids):
            return gr.update(), gr.update()
        takes = stages.clip_takes(ws=ctx.ws, role=role, run_id=int(run_id), clip_id=ids[index])
        take = next((t for t in takes if t["result_id"] == result_id), None)
        return (take["audio"], take["spectrogram"]) if take else (None, None)

    @ui_action(i18n, "读取结果失败")
    def keep_as_product(role, result_id):
        role = require_role(i18n, role)
        if result_id is None:
            raise gr.Error(i18n("请先选择一条结果"))
        name = products.suggest_name(ws=ctx.ws, role=role, result_id=int(result_id))
        return int(result_id), name, i18n("找参考"), gr.Tabs(selected="products")

    @ui_action(i18n, "读取结果失败")
    def to_long_text(result_id):
        if result_id is None:
            raise gr.Error(i18n("请先选择一条结果"))
        return gr.update(choices=[(f"#{result_id}", int(result_id))], value=[int(result_id)]), \
            gr.Tabs(selected="long_text")

    @ui_action(i18n, "开始盲听失败")
    def compare_blind(role, run_id):
        """A blind A/B session over the shortlist, opened in the A/B tab with its first pair."""
        role = require_role(i18n, role)
        if not run_id:
            raise gr.Error(i18n("请先选择找参考记录"))
        started = start_blind_comparison(ws=ctx.ws, role=role, run_id=int(run_id))
        task_id, session_id = started["task_id"], started["session_id"]
        return (gr.update(choices=task_choices(ctx, role), value=task_id),
                gr.update(choices=ab_session_choices(ctx, role, task_id), value=session_id),
                gr.Tabs(selected="ab"))

    @ui_action(i18n, "删除找参考记录失败")
    def delete(role, run_id):
        role = require_role(i18n, role)
        if run_id:
            finder_runs.delete_run(ws=ctx.ws, runner=runner, role=role, run_id=int(run_id))
        return keep_choice(run_choices(ctx, i18n, role), None)

    @ui_action(i18n, "放回候选失败")
    def force(role, run_id, clip_id):
        role = require_role(i18n, role)
        if not run_id or clip_id is None:
            raise gr.Error(i18n("请先选择记录并填写音频编号"))
        finder_runs.force_clip(ws=ctx.ws, role=role, run_id=int(run_id), clip_id=int(clip_id))
        ctx.finder.watch(role)
        return ""  # re-render at the next poll

    @ui_action(i18n, "读取失败")
    def forget_shown():
        return ""  # another run chosen: the next poll renders everything

    def make_play(index: int):
        @ui_action(i18n, "读取结果失败")
        def play(role, run_id, result_id, ids):
            return play_take(role, run_id, index, result_id, ids)
        return play

    refresh_outputs = [tab.gpt, tab.sovits, tab.group, tab.texts, tab.run]
    refresh_inputs = [role_picker, tab.gpt, tab.sovits, tab.group, tab.run]
    for trigger in (tab.refresh.click, role_picker.change, page.app.load):
        trigger(refresh, refresh_inputs, refresh_outputs, **PRIVATE)
    estimate_inputs = [role_picker, tab.subset, tab.group, tab.clip_ids, tab.texts, tab.budget, tab.shortlist]
    for component in (tab.subset, tab.group, tab.texts, tab.budget, tab.shortlist, role_picker):
        component.change(estimate, estimate_inputs, tab.estimate, show_progress="hidden", **PRIVATE)
    tab.clip_ids.blur(estimate, estimate_inputs, tab.estimate, **PRIVATE)
    page.app.load(estimate, estimate_inputs, tab.estimate, **PRIVATE)  # the first role shown fires no change
    poll_outputs = [tab.progress, tab.screened, tab.ranking, tab.chart, shortlist_ids, shown, tab.run, *slot_outputs]
    poll_inputs = [role_picker, tab.run, shown]
    start_inputs = [role_picker, tab.gpt, tab.sovits, tab.subset, tab.group, tab.clip_ids, tab.texts, tab.budget,
                    tab.shortlist, *tab.base.values()]
    tab.start.click(start, start_inputs, tab.run, **PRIVATE)
    tab.timer.tick(poll, poll_inputs, poll_outputs, show_progress="hidden", **PRIVATE)
    # a person's pick only: poll relabels the picker's runs, and the timer shows a run picked by start or delete
    tab.run.input(forget_shown, None, shown, **PRIVATE).then(poll, poll_inputs, poll_outputs, **PRIVATE)
    tab.delete.click(delete, [role_picker, tab.run], tab.run, **PRIVATE)
    tab.compare.click(compare_blind, [role_picker, tab.run], [*ab_pickers, page.tabs], **PRIVATE)
    tab.force.click(force, [role_picker, tab.run, tab.force_id], shown, **PRIVATE)
    for index, slot in enumerate(tab.slots):
        slot.take.input(make_play(index), [role_picker, tab.run, slot.take, shortlist_ids],
                        [slot.audio, slot.spectrogram], **PRIVATE)
        slot.product.click(keep_as_product, [role_picker, slot.take],
                           [*product_form, page.tabs], **PRIVATE)
        slot.long_text.click(to_long_text, slot.take, [long_text_results, page.tabs], **PRIVATE)
