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
from tabs.common import Page, UIContext, keep_choice, require_role, score_choice, score_radio, ui_action
from tabs.long_text_takes import (
    SENTENCE_COLUMN_WIDTHS,
    SENTENCE_COLUMNS,
    autopilot_controls,
    autopilot_options,
    listen_counter,
    sentence_rows,
    take_row,
    wire_takes,
)
from tabs.widgets import PRIVATE, on_each, poll_timer, progress_html, task_picker, task_picker_row

MAX_PARTS = 5  # configuration slots shown


@dataclass(frozen=True)
class PartSlot:
    box: gr.Group
    info: gr.Markdown
    audio: gr.Audio
    spectrogram: gr.Image
    sentences: gr.Dataframe
    index: gr.Number
    regenerate: gr.Button
    take: gr.Radio
    take_audio: gr.Audio
    choose: gr.Button
    score: gr.Radio
    note: gr.Textbox
    export: gr.Button
    file: gr.File


@dataclass(frozen=True)
class LongTextTab:
    task: gr.Dropdown
    refresh: gr.Button
    top_n: gr.Number
    results: gr.Dropdown
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
    slots: tuple[PartSlot, ...]


def _slot(i18n, i: int) -> PartSlot:
    with gr.Group(visible=False, elem_id=f"long_text_part_{i}") as box:
        info = gr.Markdown(elem_id=f"long_text_info_{i}")
        with gr.Row(equal_height=False):
            with gr.Column(scale=2, min_width=320):
                audio = gr.Audio(label=i18n("拼接后的音频"), type="filepath", interactive=False,
                                 elem_id=f"long_text_audio_{i}")
                with gr.Row():
                    score = score_radio(i18n, f"long_text_score_{i}")
                    note = gr.Textbox(label=i18n("备注"), elem_id=f"long_text_note_{i}")
            with gr.Column(scale=3):
                spectrogram = gr.Image(label=i18n("频谱图"), type="filepath", format="png", interactive=False,
                                       buttons=[], height=190, elem_id=f"long_text_spectrogram_{i}")
                export = gr.Button(i18n("导出音频与句子列表"), elem_id=f"long_text_export_{i}")
                # shown once there is a file: an empty File box would take a lot of room
                file = gr.File(label=i18n("导出文件"), interactive=False, visible=False, elem_id=f"long_text_file_{i}")
        sentences = gr.Dataframe(headers=[i18n(h) for h in SENTENCE_COLUMNS], interactive=False, wrap=True,
                                 column_widths=list(SENTENCE_COLUMN_WIDTHS), elem_id=f"long_text_sentences_{i}")
        index, take, take_audio, choose, regenerate = take_row(i18n, i)
    return PartSlot(box, info, audio, spectrogram, sentences, index, regenerate, take, take_audio, choose, score, note,
                    export, file)


def build(ctx: UIContext) -> LongTextTab:
    i18n = ctx.i18n
    gr.Markdown(i18n("### 1. 选择配置"))
    gr.Markdown(i18n("默认取任务中评分最高的前 N 个配置（参考音频 + 参数）；也可以直接挑选结果。"))
    with gr.Row():
        task, refresh = task_picker_row(i18n, "long_text")
        top_n = gr.Number(value=3, minimum=1, maximum=MAX_PARTS, precision=0, label=i18n("前 N 个"),
                          elem_id="long_text_top_n")
    results = gr.Dropdown(label=i18n("或挑选结果"), multiselect=True, choices=[], elem_id="long_text_results")
    gr.Markdown(i18n("### 2. 长文本"))
    with gr.Row():
        text_pick = gr.Dropdown(label=i18n("共享长文本"), choices=[], elem_id="long_text_text_pick")
        lang = gr.Dropdown([(i18n("自动识别"), "")] + [(code, code) for code in LANG_CODES], value="",
                           label=i18n("语言"), elem_id="long_text_lang")
    text = gr.Textbox(label=i18n("文本（按配置的切分方法分句）"), lines=5, elem_id="long_text_text",
                      info=i18n("每个配置按自己的切分方法分段，每段单独合成、可单独重新生成：cut1 每 4 句一段，"
                                "cut2 约 50 字一段，cut3/cut4 按句号，cut5 按每个标点，cut0 不切。"))
    autopilot = autopilot_controls(i18n)
    start = gr.Button(i18n("开始合成"), variant="primary", elem_id="long_text_start")
    gr.Markdown(i18n("### 3. 结果"))
    run = gr.Dropdown(label=i18n("长文本运行"), choices=[], elem_id="long_text_run")
    progress = gr.HTML(elem_id="long_text_progress")
    with gr.Row():
        listen_count = gr.Markdown(elem_id="long_text_listen_count")
        listen_only = gr.Checkbox(value=False, label=i18n("只看需要试听的句子"), elem_id="long_text_listen_only")
    slots = tuple(_slot(i18n, i) for i in range(MAX_PARTS))
    timer = poll_timer()
    return LongTextTab(task, refresh, top_n, results, text_pick, text, lang, *autopilot, start, run, listen_only,
                       listen_count, progress, timer, slots)


SLOT_OUTPUTS = 6  # box, info, audio, spectrogram, sentences, score


def run_choices(ctx: UIContext, role: str | None) -> list[tuple[str, int]]:
    if not role:
        return []
    return [(f"#{r['run_id']} {r['name']} ({r['done']}/{r['total']})", r["run_id"])
            for r in long_text.list_runs(ws=ctx.ws, role=role)]


def part_info(i18n, part: dict) -> str:
    done = sum(s["status"] == "done" for s in part["sentences"])
    line = f"**{i18n('配置')} {part['label']}** · {done}/{len(part['sentences'])} {i18n('完成')}"
    return line + (f" · {i18n('评分')} {part['score']:g}" if part["score"] is not None else "")


def slot_updates(i18n, status: dict | None, listen_only: bool = False) -> list:
    parts = status["parts"] if status else []
    updates = []
    for i in range(MAX_PARTS):
        if i >= len(parts):
            updates += [gr.update(visible=False)] + [gr.update()] * (SLOT_OUTPUTS - 1)
            continue
        part = parts[i]
        updates += [gr.update(visible=True), part_info(i18n, part), part["joined_audio"], part["spectrogram"],
                    sentence_rows(i18n, part, listen_only), gr.update(value=score_choice(part["score"]))]
    return updates


def signature(status: dict, listen_only: bool) -> str:
    """What the slots show; polling re-renders only when it changed (players keep playing)."""
    return json.dumps([listen_only] + [[p["joined_audio"], p["spectrogram"], p["score"],
                                        [(s["status"], s["finished_at"], s["flags"], s["needs_listening"],
                                          [(t["result_id"], t["status"], t["chosen"]) for t in s["tries"]])
                                         for s in p["sentences"]]] for p in status["parts"]])


def wire(tab: LongTextTab, ctx: UIContext, page: Page) -> None:
    i18n, role_picker, runner = ctx.i18n, page.role, ctx.runner
    part_ids, shown = gr.State([]), gr.State("")
    slot_outputs = [c for s in tab.slots for c in (s.box, s.info, s.audio, s.spectrogram, s.sentences, s.score)]

    @ui_action(i18n, "读取任务失败")
    def refresh(role, current_task, current_run):
        long_texts = [(t.content[:60], t.id) for t in texts.list_texts(ws=ctx.ws, category="long")]
        return (task_picker(ctx, role, current_task), keep_choice(run_choices(ctx, role), current_run),
                gr.update(choices=long_texts))

    @ui_action(i18n, "读取结果失败")
    def on_task(role, task_id):
        if not role or not task_id:
            return gr.update(choices=[], value=[])
        page = results.list_results(ws=ctx.ws, role=role, task_id=int(task_id), sort="score", page_size=100,
                                    flt=results.ResultFilter(statuses=("done",)))
        return gr.update(choices=[(f"#{r.id} {r.label} · {r.text[:20]}"
                                   + (f" · ★{r.score:g}" if r.score is not None else ""), r.id)
                                  for r in page.results], value=[])

    @ui_action(i18n, "读取文本失败")
    def on_text_pick(text_id):
        found = [t for t in texts.list_texts(ws=ctx.ws) if t.id == text_id]
        return (found[0].content, found[0].lang) if found else (gr.update(), gr.update())

    @ui_action(i18n, "启动长文本失败")
    def start(role, task_id, top_n, result_ids, text, lang, *autopilot):
        role = require_role(i18n, role)
        ids = [int(i) for i in result_ids or []]
        if not ids:
            if not task_id:
                raise gr.Error(i18n("请先选择任务"))
            ids = long_text.top_results(ws=ctx.ws, role=role, task_id=int(task_id), n=int(top_n or 3))
        started = long_text.start_long_text(ws=ctx.ws, role=role, result_ids=ids, text=text, text_lang=lang or None,
                                            options=autopilot_options(*autopilot))
        runner.run_task(role, started["task_id"])
        return gr.update(choices=run_choices(ctx, role), value=started["run_id"])

    @ui_action(i18n, "读取进度失败")
    def poll(role, run_id, last, listen_only):
        if not role or not run_id:
            return ["", [], "", ""] + slot_updates(i18n, None)
        status = long_text.run_status(ws=ctx.ws, role=role, run_id=int(run_id))
        # the run's counts are already here: only whether the queue holds the task is asked of the runner
        active = runner.is_active(role, status["task_id"])
        state = {**status, "state": "running" if active else status["task_state"]}
        ids = [p["part_id"] for p in status["parts"]]
        sig = signature(status, bool(listen_only))
        slots = slot_updates(i18n, status, bool(listen_only)) if sig != last else [gr.update()] * len(slot_outputs)
        return [progress_html(i18n, state), ids, sig, listen_counter(i18n, status)] + slots

    def make_regenerate(index: int):
        @ui_action(i18n, "重新生成失败")
        def regenerate(role, run_id, ids, sentence_index):
            if index < len(ids):
                long_text.regenerate_sentence(ws=ctx.ws, runner=runner, role=role, run_id=int(run_id),
                                              index=int(sentence_index or 0), part_id=ids[index])
        return regenerate

    def make_score(index: int):
        @ui_action(i18n, "评分失败")
        def save(role, ids, score, note):
            if index < len(ids) and score not in (None, ""):
                long_text.score_part(ws=ctx.ws, role=role, part_id=ids[index], score=float(score), note=note or "")
        return save

    def make_export(index: int):
        @ui_action(i18n, "导出失败")
        def export(role, ids):
            if index >= len(ids):
                return gr.update()
            return gr.update(value=str(long_text_export.export_part(ws=ctx.ws, role=role, part_id=ids[index])),
                             visible=True)
        return export

    on_each((tab.refresh.click, role_picker.change, page.app.load), refresh, [role_picker, tab.task, tab.run],
            [tab.task, tab.run, tab.text_pick])
    tab.task.change(on_task, [role_picker, tab.task], tab.results, **PRIVATE)
    tab.text_pick.change(on_text_pick, tab.text_pick, [tab.text, tab.lang], **PRIVATE)
    poll_io = dict(fn=poll, inputs=[role_picker, tab.run, shown, tab.listen_only],
                   outputs=[tab.progress, part_ids, shown, tab.listen_count, *slot_outputs])
    tab.start.click(start, [role_picker, tab.task, tab.top_n, tab.results, tab.text, tab.lang, tab.autopilot,
                            tab.max_tries, tab.min_auto_score, tab.rate_tolerance, tab.max_cer], tab.run, **PRIVATE)
    tab.run.change(**poll_io, **PRIVATE)
    tab.listen_only.change(**poll_io, **PRIVATE)
    tab.timer.tick(**poll_io, show_progress="hidden", **PRIVATE)
    for index, slot in enumerate(tab.slots):
        slot.regenerate.click(make_regenerate(index), [role_picker, tab.run, part_ids, slot.index], None, **PRIVATE)
        wire_takes(ctx, index, slot, role_picker, tab.run, part_ids)
        score = make_score(index)
        slot.score.input(score, [role_picker, part_ids, slot.score, slot.note], None, **PRIVATE)
        slot.note.blur(score, [role_picker, part_ids, slot.score, slot.note], None, **PRIVATE)
        slot.export.click(make_export(index), [role_picker, part_ids], slot.file, **PRIVATE)
