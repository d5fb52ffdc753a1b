"""Long-text tab: the best configurations read a long text sentence by sentence; the autopilot re-rolls
takes that fail its quality gate; play any take and choose it; re-generate bad sentences."""
from __future__ import annotations

import json
from dataclasses import dataclass

import gradio as gr

from ras import results
from ras.languages import LANG_CODES
from ras.library import texts
from ras.long_text import export as long_text_export
from ras.long_text import runs as long_text
from ras.long_text import status as run_views
from ras.long_text.status import LongTextStatus, PartStatus
from ras.products import emotions as product_emotions
from ras.products import rows as products
from tabs.common import (
    Page,
    UIContext,
    connect,
    connect_each,
    handles,
    picker_update,
    refreshed_choice,
    require_role,
    score_choice,
)
from tabs.emotion_words import emotion_label
from tabs.long_text_takes import (
    PartSlot,
    autopilot_controls,
    autopilot_options,
    build_slot,
    first_sentence,
    first_sentence_outputs,
    listen_counter,
    read_status,
    sentence_rows,
    wire_takes,
)
from tabs.widgets import poll_timer, polled_picker, progress_html, task_picker, task_picker_row

MAX_PARTS = 5  # configuration slots shown
NO_PRODUCT = "不用成品（文本不能有情感标签）"


@dataclass(frozen=True)
class LongTextTab:
    task: gr.Dropdown
    refresh: gr.Button
    top_n: gr.Number
    results: gr.Dropdown
    product: gr.Dropdown  # optional: its emotions give tagged sentences their references
    text_pick: gr.Dropdown
    text: gr.Textbox
    lang: gr.Dropdown
    autopilot: gr.Checkbox
    max_tries: gr.Slider
    min_auto_score: gr.Slider
    rate_tolerance: gr.Slider
    max_cer: gr.Slider
    start: gr.Button
    run: gr.Dropdown
    listen_only: gr.Checkbox
    listen_count: gr.Markdown
    progress: gr.HTML
    timer: gr.Timer
    run_role: gr.State  # the role whose runs the run picker lists (a switch makes a poll of the old run moot)
    part_ids: gr.State  # the part each slot shows, by slot
    shown: gr.State  # the signature of what the slots show (polling re-renders only on a change)
    slots: tuple[PartSlot, ...]


def build(ctx: UIContext) -> LongTextTab:
    i18n = ctx.i18n
    gr.Markdown(i18n("### 1. 选择配置"))
    gr.Markdown(i18n("默认取任务中评分最高的几个配置（参考音频 + 参数）；也可以直接挑选结果。"))
    with gr.Row():
        task, refresh = task_picker_row(i18n, "long_text")
        top_n = gr.Number(value=3, minimum=1, maximum=MAX_PARTS, precision=0, label=i18n("取前几个配置"),
                          elem_id="long_text_top_n")
    picked_results = gr.Dropdown(label=i18n("或挑选结果"), multiselect=True, choices=[], elem_id="long_text_results")
    product = gr.Dropdown(label=i18n("成品的情感（可选）"), choices=[(i18n(NO_PRODUCT), "")], value="",
                          elem_id="long_text_product",
                          info=i18n("选了成品，文本里句首的情感标签（[开心]、(生气)、【难过】）就用成品里该情感的参考音频；"
                                    "没有标签的句子沿用前一句的情感，开头用默认参考。没选配置时用成品本身的配置。"))
    gr.Markdown(i18n("### 2. 长文本"))
    with gr.Row():
        text_pick = gr.Dropdown(label=i18n("共享长文本"), choices=[], elem_id="long_text_text_pick")
        lang = gr.Dropdown([(i18n("自动识别"), "")] + [(code, code) for code in LANG_CODES], value="",
                           label=i18n("语言"), elem_id="long_text_lang")
    text = gr.Textbox(label=i18n("文本（按配置的切分方法分句）"), lines=5, elem_id="long_text_text",
                      info=i18n("每个配置按自己的切分方法分段，每段单独合成、可单独重新生成：cut1 每 4 句一段，"
                                "cut2 约 50 字一段，cut3/cut4 按句号，cut5 按每个标点，cut0 不切。"))
    autopilot = autopilot_controls(i18n)
    start_button = gr.Button(i18n("开始合成"), variant="primary", elem_id="long_text_start")
    gr.Markdown(i18n("### 3. 结果"))
    run = polled_picker(i18n("长文本运行"), "long_text_run")
    progress = gr.HTML(elem_id="long_text_progress")
    with gr.Row():
        listen_count = gr.Markdown(elem_id="long_text_listen_count")
        listen_only = gr.Checkbox(value=False, label=i18n("只看需要试听的句子"), elem_id="long_text_listen_only")
    slots = tuple(build_slot(i18n, i) for i in range(MAX_PARTS))
    timer = poll_timer()
    return LongTextTab(task, refresh, top_n, picked_results, product, text_pick, text, lang, *autopilot,
                       start_button, run,
                       listen_only, listen_count, progress, timer, gr.State(None), gr.State([]), gr.State(""),
                       slots)


def run_choices(ctx: UIContext, role: str | None) -> list[tuple[str, int]]:
    if not role:
        return []
    return [(f"#{r.run_id} {r.name} ({r.done}/{r.total})", r.run_id)
            for r in run_views.list_runs(ws=ctx.ws, role=role)]


def product_choices(ctx: UIContext, role: str | None) -> list[tuple[str, str]]:
    """The role's products, each with its emotions in the page's language; first the choice of none."""
    none = [(ctx.i18n(NO_PRODUCT), "")]
    if not role:
        return none
    return none + [(f"{p.name} · " + " / ".join(emotion_label(ctx.i18n, e) for e in (p.default_emotion, *p.emotions)),
                    str(p.product_id)) for p in products.list_products(ws=ctx.ws, role=role)]


def part_info(i18n, part: PartStatus) -> str:
    done = sum(s.status == "done" for s in part.sentences)
    line = f"**{i18n('配置')} {part.label}** · {done}/{len(part.sentences)} {i18n('完成')}"
    return line + (f" · {i18n('评分')} {part.score:g}" if part.score is not None else "")


def slot_values(i18n, slot: PartSlot, part: PartStatus | None, listen_only: bool) -> dict:
    """What one slot shows of its part (hidden without one)."""
    if part is None:
        return {slot.box: gr.update(visible=False)}
    return {slot.box: gr.update(visible=True), slot.info: part_info(i18n, part), slot.audio: part.joined_audio,
            slot.spectrogram: part.spectrogram, slot.sentences: sentence_rows(i18n, part, listen_only),
            slot.score: gr.update(value=score_choice(part.score))}


def slot_outputs(tab: LongTextTab) -> list:
    return [c for s in tab.slots for c in (s.box, s.info, s.audio, s.spectrogram, s.sentences, s.score)]


def signature(status: LongTextStatus, listen_only: bool) -> str:
    """What the slots show; polling re-renders only when it changed (players keep playing)."""
    return json.dumps([listen_only] + [[p.joined_audio, p.spectrogram, p.score, p.normal_rate,
                                        [(s.status, str(s.finished_at), s.flags, s.needs_listening,
                                          [(t.result_id, t.status, t.chosen, t.reasons) for t in s.tries])
                                         for s in p.sentences]] for p in status.parts])


def run_words(i18n, status: LongTextStatus) -> str:
    """Where the run stands, in words: what it still waits for, or that nothing more will happen by itself."""
    if status.queued or status.running:
        return i18n("正在合成：{queued} 个排队，{running} 个合成中").format(queued=status.queued,
                                                                  running=status.running)
    if status.awaiting_analysis:
        return i18n("等待分析：{n} 个尝试还没测完，未通过门槛的句子随后会自动重试").format(n=status.awaiting_analysis)
    if status.rerolls_due:
        return i18n("自动重试：{n} 句马上再试一次").format(n=status.rerolls_due)
    if status.joins_due:
        return i18n("正在拼接音频")
    if status.needs_listening:
        return i18n("已完成，不会再自动变化；{n} 句需要你来听").format(n=status.needs_listening)
    return i18n("已完成，不会再自动变化")


def run_words_html(i18n, status: LongTextStatus) -> str:
    mark = "✓ " if status.settled else ""
    return f'<div id="long_text_state" style="margin-top:4px;font-weight:600">{mark}{run_words(i18n, status)}</div>'


@handles("读取任务失败")
def refresh(ctx: UIContext, tab: LongTextTab, *, role, task, run, run_role, product=None) -> dict:
    """The role's tasks, runs and long texts. After a role switch the newest run of the new role is picked:
    a run id of the old role would name another run, or none, in the new one."""
    long_texts = [(t.content[:60], t.id) for t in texts.list_texts(ws=ctx.ws, category="long")]
    kept = run if run_role == role else None
    return {tab.task: task_picker(ctx, role, task), tab.run: refreshed_choice(run_choices(ctx, role), run, kept),
            tab.run_role: role, tab.text_pick: gr.update(choices=long_texts),
            tab.product: refreshed_choice(product_choices(ctx, role), product, product if run_role == role else "")}


@handles("读取结果失败")
def on_task(ctx: UIContext, tab: LongTextTab, *, role, task, picked=None) -> dict:
    found = results.list_results(ws=ctx.ws, role=role, task_id=int(task), sort="score", page_size=100,
                                 flt=results.ResultFilter(statuses=("done",))).results if role and task else []
    return {tab.results: picker_update([(f"#{r.id} {r.label} · {r.text[:20]}"
                                         + (f" · ★{r.score:g}" if r.score is not None else ""), r.id)
                                        for r in found], [], picked)}


@handles("读取文本失败")
def on_text_pick(ctx: UIContext, tab: LongTextTab, *, text_id) -> dict:
    found = texts.get_texts(ws=ctx.ws, ids=[int(text_id)]) if text_id else []
    return {tab.text: found[0].content, tab.lang: found[0].lang} if found else gr.skip()


@handles("启动长文本失败")
def start(ctx: UIContext, tab: LongTextTab, *, role, task, top_n, result_ids, text, lang, autopilot, max_tries,
          min_auto_score, rate_tolerance, max_cer, product=None) -> dict:
    i18n = ctx.i18n
    role = require_role(i18n, role)
    ids = [int(i) for i in result_ids or []]
    options = autopilot_options(autopilot, max_tries, min_auto_score, rate_tolerance, max_cer)
    pieces = None
    if product:
        options["product_id"] = int(product)
        pieces = product_emotions.product_pieces(ws=ctx.ws, role=role, product_id=int(product), text=text)
    if not ids:
        if task:
            ids = long_text.top_results(ws=ctx.ws, role=role, task_id=int(task), n=int(top_n or 3))
        elif product:
            ids = [products.source_result(ws=ctx.ws, role=role, product_id=int(product))]
        else:
            raise gr.Error(i18n("请先选择任务"))
    started = long_text.start_long_text(ws=ctx.ws, role=role, result_ids=ids, text=text, text_lang=lang or None,
                                        options=options, pieces=pieces)
    ctx.runner.run_task(role, started.task_id)
    return {tab.run: gr.update(choices=run_choices(ctx, role), value=started.run_id), tab.run_role: role}


def cleared(ctx: UIContext, tab: LongTextTab, part_ids) -> dict:
    """No run in view: no progress, no parts, every slot hidden (its try picker emptied if it showed one)."""
    answer = {tab.progress: "", tab.part_ids: [], tab.shown: "", tab.listen_count: ""}
    for slot in tab.slots:
        answer.update(slot_values(ctx.i18n, slot, None, False))
        if part_ids:
            answer.update(first_sentence(ctx.i18n, slot, None))
    return answer


@handles("读取进度失败")
def poll(ctx: UIContext, tab: LongTextTab, *, role, run, run_role, shown, listen_only, part_ids=None) -> dict:
    """The run's progress and parts; `part_ids` are the parts the slots showed until now."""
    i18n = ctx.i18n
    if run and run_role != role:
        return gr.skip()  # the role was switched and the run picker not refreshed yet: its run is the old role's
    status = read_status(ctx, role, run)
    if status is None:
        return cleared(ctx, tab, part_ids)
    # the run's counts are already here: only whether the queue holds the task is asked of the runner
    active = ctx.runner.is_active(role, status.task_id)
    state = {"total": status.total, "done": status.done, "failed": status.failed, "queued": status.queued,
             "running": status.running, "state": "running" if active else status.task_state}
    shown_parts = [p.part_id for p in status.parts]
    answer = {tab.progress: progress_html(i18n, state) + run_words_html(i18n, status),
              tab.part_ids: shown_parts, tab.listen_count: listen_counter(i18n, status)}
    if shown_parts != (part_ids or []):
        for number, slot in enumerate(tab.slots):
            answer.update(first_sentence(i18n, slot, status.parts[number] if number < len(status.parts) else None))
    sig = signature(status, bool(listen_only))
    if sig != shown:
        answer[tab.shown] = sig
        for number, slot in enumerate(tab.slots):
            part = status.parts[number] if number < len(status.parts) else None
            answer.update(slot_values(i18n, slot, part, bool(listen_only)))
    return answer


def _slot_part(slot: PartSlot, part_ids) -> int | None:
    return part_ids[slot.number] if slot.number < len(part_ids or []) else None


@handles("重新生成失败")
def regenerate(ctx: UIContext, slot: PartSlot, *, role, run, part_ids, sentence_index) -> None:
    part_id = _slot_part(slot, part_ids)
    if part_id is not None:
        long_text.regenerate_sentence(ws=ctx.ws, runner=ctx.runner, role=role, run_id=int(run),
                                      index=int(sentence_index or 0), part_id=part_id)


@handles("改情感失败")
def set_emotion(ctx: UIContext, slot: PartSlot, *, role, run, part_ids, sentence_index, product, emotion) -> None:
    """The sentence made again with the chosen product's reference for `emotion`."""
    part_id = _slot_part(slot, part_ids)
    if part_id is None or not run:
        return
    if not product:
        raise gr.Error(ctx.i18n("请先在上面选择成品：句子改用的是成品里该情感的参考音频"))
    if not (emotion or "").strip():
        raise gr.Error(ctx.i18n("请先选择这一句要改用的情感"))
    reference = product_emotions.product_reference(ws=ctx.ws, role=role, product_id=int(product), emotion=emotion)
    long_text.set_sentence_emotion(ws=ctx.ws, runner=ctx.runner, role=role, run_id=int(run),
                                   index=int(sentence_index or 0), reference=reference, part_id=part_id)


@handles("评分失败")
def save_score(ctx: UIContext, slot: PartSlot, *, role, part_ids, score, note) -> None:
    part_id = _slot_part(slot, part_ids)
    if part_id is not None and score not in (None, ""):
        long_text.score_part(ws=ctx.ws, role=role, part_id=part_id, score=float(score), note=note or "")


@handles("导出失败")
def export(ctx: UIContext, slot: PartSlot, *, role, part_ids) -> dict:
    part_id = _slot_part(slot, part_ids)
    if part_id is None:
        return gr.skip()
    return {slot.file: gr.update(value=str(long_text_export.export_part(ws=ctx.ws, role=role, part_id=part_id)),
                                 visible=True)}


def wire(tab: LongTextTab, ctx: UIContext, page: Page) -> None:
    role = page.role
    connect_each(ctx, (tab.refresh.click, role.change, page.app.load), refresh, tab,
                 {"role": role, "task": tab.task, "run": tab.run, "run_role": tab.run_role, "product": tab.product},
                 [tab.task, tab.run, tab.run_role, tab.text_pick, tab.product])
    connect(ctx, tab.task.change, on_task, tab, {"role": role, "task": tab.task, "picked": tab.results}, tab.results)
    connect(ctx, tab.text_pick.change, on_text_pick, tab, {"text_id": tab.text_pick}, [tab.text, tab.lang])
    connect(ctx, tab.start.click, start, tab,
            {"role": role, "task": tab.task, "top_n": tab.top_n, "result_ids": tab.results, "text": tab.text,
             "lang": tab.lang, "autopilot": tab.autopilot, "max_tries": tab.max_tries,
             "min_auto_score": tab.min_auto_score, "rate_tolerance": tab.rate_tolerance, "max_cer": tab.max_cer,
             "product": tab.product},
            [tab.run, tab.run_role])
    poll_inputs = {"role": role, "run": tab.run, "run_role": tab.run_role, "shown": tab.shown,
                   "listen_only": tab.listen_only, "part_ids": tab.part_ids}
    poll_outputs = [tab.progress, tab.part_ids, tab.shown, tab.listen_count, *slot_outputs(tab),
                    *(c for slot in tab.slots for c in first_sentence_outputs(slot))]
    connect_each(ctx, (tab.run.change, tab.listen_only.change), poll, tab, poll_inputs, poll_outputs)
    connect(ctx, tab.timer.tick, poll, tab, poll_inputs, poll_outputs, show_progress="hidden")
    for slot in tab.slots:
        parts = {"role": role, "part_ids": tab.part_ids}
        connect(ctx, slot.regenerate.click, regenerate, slot,
                {**parts, "run": tab.run, "sentence_index": slot.index}, None)
        connect(ctx, slot.set_emotion.click, set_emotion, slot,
                {**parts, "run": tab.run, "sentence_index": slot.index, "product": tab.product,
                 "emotion": slot.emotion}, None)
        scored = {**parts, "score": slot.score, "note": slot.note}
        connect_each(ctx, (slot.score.input, slot.note.blur), save_score, slot, scored, None)
        connect(ctx, slot.export.click, export, slot, parts, slot.file)
        wire_takes(ctx, slot, role, tab.run, tab.part_ids)
