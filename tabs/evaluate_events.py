"""Events of the evaluate tab: page of results, scores, comparison by variable."""
from __future__ import annotations

import json
from dataclasses import fields

import gradio as gr
import pandas as pd

from ras import products, results
from ras.library import clips
from ras.metrics import score_weights
from tabs.common import UIContext, require_role, score_choice, ui_action
from tabs.evaluate import PAGE_SIZE, EvaluateTab, ResultSlot
from tabs.flag_labels import flag_badges
from tabs.infer import task_picker


def result_info(i18n, result: dict, ref_text: str) -> str:
    lines = [f"**#{result['id']}** · `{result['label']}`",
             f"{i18n('参考')}: {ref_text}", f"{i18n('文本')}: {result['text'][:80]}"]
    if result["status"] != "done":
        lines.append(f"⚠ {result['status']}: {result['error'][:300]}")
        return "  \n".join(lines)
    facts = [f"{i18n('时长')} {result['duration']:.2f} s"]
    if result.get("duration_deviation") is not None:
        facts.append(f"{i18n('相对中位时长')} {result['duration_deviation'] * 100:+.0f}%")
    if result["chars_per_second"]:
        facts.append(f"{result['chars_per_second']:.2f} {i18n('字/秒')}")
    if result["auto_score"] is not None:
        facts.append(f"{i18n('自动评分')} {result['auto_score']:.0f}")
    lines.append(" · ".join(facts))
    measured = key_metrics(i18n, result.get("metrics") or {})
    if measured:
        lines.append(measured)
    if result["flags"]:
        lines.append(flag_badges(i18n, result["flags"]))
    return "  \n".join(lines)


def key_metrics(i18n, metrics: dict) -> str:
    """The measurements behind the auto score that people ask about first; absent ones are left out."""
    shown = [("dnsmos_ovrl", "DNSMOS", "{:.2f}"), ("speaker_similarity", i18n("音色相似度"), "{:.2f}"),
             ("longest_pause", i18n("最长停顿"), "{:.2f} s"), ("cer", "CER", "{:.0%}")]
    return " · ".join(f"{label} {fmt.format(metrics[key])}" for key, label, fmt in shown
                      if metrics.get(key) is not None)


def slot_updates(i18n, ws, role: str, found: list[dict]) -> list:
    updates = []
    refs = clips.get_clips(ws=ws, role=role, clip_ids={r["clip_id"] for r in found}) if found else {}
    for index in range(PAGE_SIZE):
        if index >= len(found):
            updates += [gr.update(visible=False)] + [gr.update()] * (len(fields(ResultSlot)) - 1)
            continue
        result = found[index]
        ref = refs[result["clip_id"]]
        # in ResultSlot's field order: box, info, audio, ref_audio, spectrogram, score, note, keep
        updates += [gr.update(visible=True), result_info(i18n, result, ref.text), result["audio"],
                    str(clips.clip_audio_path(ws, role, ref)), result["spectrogram"],
                    gr.update(value=score_choice(result["score"])), gr.update(value=result["note"]),
                    gr.update(visible=result["status"] == "done")]  # only a finished take can be kept
    return updates


def wire_events(tab: EvaluateTab, ctx: UIContext, others) -> None:
    i18n, role_picker = ctx.i18n, others.header.role
    page_ids = gr.State([])
    slot_outputs = [getattr(slot, f.name) for slot in tab.slots for f in fields(ResultSlot)]

    def refresh(role, current):
        return task_picker(ctx, role, current)

    @ui_action(i18n, "读取结果失败")
    def on_task(role, task_id):
        if not role or not task_id:
            return gr.update(choices=[], value=[])
        sets = results.param_sets(ws=ctx.ws, role=role, task_id=int(task_id))
        return gr.update(choices=[(s["label"], s["id"]) for s in sets], value=[])

    @ui_action(i18n, "读取结果失败")
    def show(role, task_id, sort, param_set_ids, text, scored, page):
        if not role or not task_id:  # e.g. a role without tasks yet: an empty page, not an error
            return ["", []] + slot_updates(i18n, ctx.ws, role, [])
        flt = results.ResultFilter(param_set_ids=tuple(param_set_ids or ()), text=(text or "").strip(),
                                   scored={"scored": True, "unscored": False}.get(scored))
        page_data = results.list_results(ws=ctx.ws, role=role, task_id=int(task_id), sort=sort,
                                         page=int(page or 1), page_size=PAGE_SIZE, flt=flt)
        found = page_data["results"]
        pages = max(1, -(-page_data["total"] // PAGE_SIZE))
        summary = f"{i18n('共')} {page_data['total']} {i18n('条结果')} · {i18n('页码')} {int(page or 1)}/{pages}"
        return [summary, [r["id"] for r in found]] + slot_updates(i18n, ctx.ws, role, found)

    def make_score_handler(index: int):
        @ui_action(i18n, "评分失败")
        def save(role, ids, score, note):
            if index >= len(ids) or score in (None, ""):
                return
            results.score_result(ws=ctx.ws, role=role, result_id=ids[index], score=float(score), note=note or "")
        return save

    @ui_action(i18n, "比较失败")
    def compare(role, task_id, by):
        role = require_role(i18n, role)
        if not task_id:
            raise gr.Error(i18n("请先选择任务"))
        rows = results.compare_by_variable(ws=ctx.ws, role=role, task_id=int(task_id), by=by)
        table = [[r["label"], r["count"], r["scored"], r["mean_score"], r["mean_duration"], r["mean_auto"]]
                 for r in rows]
        frame = pd.DataFrame(rows or [{"label": "", "mean_score": 0, "mean_duration": 0}])
        frame["mean_score"] = frame["mean_score"].fillna(0)
        agreement = results.score_agreement(ws=ctx.ws, role=role, task_id=int(task_id))
        if agreement["spearman"] is None:
            note = f"{i18n('自动评分与人工评分的一致性')}: {i18n('至少需要评分')} {agreement['needed']} " \
                   f"{i18n('条')} ({agreement['pairs']})"
        else:
            note = f"{i18n('自动评分与人工评分的一致性')} (Spearman, {agreement['pairs']}): **{agreement['spearman']}**"
        return table, frame, frame, note

    def make_keep_handler(index: int):
        @ui_action(i18n, "读取结果失败")
        def keep(role, ids, note):
            """Fill the products tab's form with this result and open it: the name stays editable."""
            role = require_role(i18n, role)
            if index >= len(ids):
                raise gr.Error(i18n("该位置没有结果，请刷新"))
            result_id = ids[index]
            name = products.suggest_name(ws=ctx.ws, role=role, result_id=result_id)
            return result_id, name, note or "", gr.Tabs(selected="products")
        return keep

    @ui_action(i18n, "保存权重失败")
    def save_weights(role, text):
        try:
            wanted = json.loads(text or "{}")
        except json.JSONDecodeError as exc:
            raise gr.Error(f"{i18n('权重不是有效的 JSON')}: {exc}") from None
        merged = score_weights.save_weights(ws=ctx.ws, weights=wanted)
        count = score_weights.rescore_role(ws=ctx.ws, role=role, weights=merged) if role else 0
        return json.dumps(merged, indent=1), f"✔ {i18n('已保存')} · {i18n('重新评分')} {count}"

    private = {"api_visibility": "private"}
    for trigger in (tab.refresh.click, role_picker.change, others.app.load):
        trigger(refresh, [role_picker, tab.task], tab.task, **private)
    tab.task.change(on_task, [role_picker, tab.task], tab.param_sets, **private)
    filters = [role_picker, tab.task, tab.sort, tab.param_sets, tab.text_filter, tab.scored, tab.page]
    for trigger in (tab.show.click, tab.sort.change, tab.task.change):
        trigger(show, filters, [tab.summary, page_ids, *slot_outputs], **private)
    kept = others.products
    for index, slot in enumerate(tab.slots):
        handler = make_score_handler(index)
        slot.score.input(handler, [role_picker, page_ids, slot.score, slot.note], None, **private)
        slot.note.blur(handler, [role_picker, page_ids, slot.score, slot.note], None, **private)
        slot.keep.click(make_keep_handler(index), [role_picker, page_ids, slot.note],
                        [kept.result_id, kept.name, kept.note, others.tabs], **private)
    tab.save_weights.click(save_weights, [role_picker, tab.weights], [tab.weights, tab.weights_status], **private)
    tab.compare.click(compare, [role_picker, tab.task, tab.compare_by],
                      [tab.compare_table, tab.score_plot, tab.duration_plot, tab.agreement], **private)
