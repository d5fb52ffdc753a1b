"""Events of the long-text tab: start a run, poll it, re-generate a sentence, score, export."""
from __future__ import annotations

import json

import gradio as gr

from ras import results
from ras.long_text import runs as long_text
from ras.library import texts
from tabs.common import UIContext, keep_choice, require_role, score_choice, ui_action
from tabs.flag_labels import flag_words
from tabs.infer import progress_html, task_picker
from tabs.long_text import MAX_PARTS, LongTextTab

SLOT_OUTPUTS = 6  # box, info, audio, spectrogram, sentences, score


def run_choices(ctx: UIContext, role: str | None) -> list[tuple[str, int]]:
    if not role:
        return []
    return [(f"#{r['run_id']} {r['name']} ({r['done']}/{r['total']})", r["run_id"])
            for r in long_text.list_runs(ws=ctx.ws, role=role)]


def status_label(i18n, status: str) -> str:
    labels = {"done": i18n("完成"), "queued": i18n("排队"), "running": i18n("运行中"), "failed": i18n("失败"),
              "cancelled": i18n("已取消")}
    return labels.get(status, status)


def sentence_rows(i18n, part: dict) -> list[list]:
    rows = []
    for s in part["sentences"]:
        rows.append([s["index"], s["text"], s["duration"], s["chars_per_second"], status_label(i18n, s["status"]),
                     flag_words(i18n, s["flags"]) if s["flags"] else (s["error"][:80] if s["error"] else "")])
    return rows


def part_info(i18n, part: dict) -> str:
    done = sum(s["status"] == "done" for s in part["sentences"])
    line = f"**{i18n('配置')} {part['label']}** · {done}/{len(part['sentences'])} {i18n('完成')}"
    return line + (f" · {i18n('评分')} {part['score']:g}" if part["score"] is not None else "")


def slot_updates(i18n, status: dict | None) -> list:
    parts = status["parts"] if status else []
    updates = []
    for i in range(MAX_PARTS):
        if i >= len(parts):
            updates += [gr.update(visible=False)] + [gr.update()] * (SLOT_OUTPUTS - 1)
            continue
        part = parts[i]
        updates += [gr.update(visible=True), part_info(i18n, part), part["joined_audio"], part["spectrogram"],
                    sentence_rows(i18n, part), gr.update(value=score_choice(part["score"]))]
    return updates


def signature(status: dict) -> str:
    """What the slots show; polling re-renders only when it changed (players keep playing)."""
    return json.dumps([[p["joined_audio"], p["spectrogram"], p["score"],
                        [(s["status"], s["finished_at"], s["flags"]) for s in p["sentences"]]]
                       for p in status["parts"]])


def wire_events(tab: LongTextTab, ctx: UIContext, others) -> None:
    i18n, role_picker, runner = ctx.i18n, others.header.role, ctx.runner
    private = {"api_visibility": "private"}
    part_ids, shown = gr.State([]), gr.State("")
    slot_outputs = [c for s in tab.slots for c in (s.box, s.info, s.audio, s.spectrogram, s.sentences, s.score)]

    def refresh(role, current_task, current_run):
        long_texts = [(t["content"][:60], t["id"]) for t in texts.list_texts(ws=ctx.ws, category="long")]
        return (task_picker(ctx, role, current_task), keep_choice(run_choices(ctx, role), current_run),
                gr.update(choices=long_texts))

    @ui_action(i18n, "读取结果失败")
    def on_task(role, task_id):
        if not role or not task_id:
            return gr.update(choices=[], value=[])
        page = results.list_results(ws=ctx.ws, role=role, task_id=int(task_id), sort="score", page_size=100,
                                    flt=results.ResultFilter(statuses=("done",)))
        return gr.update(choices=[(f"#{r['id']} {r['label']} · {r['text'][:20]}"
                                   + (f" · ★{r['score']:g}" if r["score"] is not None else ""), r["id"])
                                  for r in page["results"]], value=[])

    def on_text_pick(text_id):
        found = [t for t in texts.list_texts(ws=ctx.ws) if t["id"] == text_id]
        return (found[0]["content"], found[0]["lang"]) if found else (gr.update(), gr.update())

    @ui_action(i18n, "启动长文本失败")
    def start(role, task_id, top_n, result_ids, text, lang):
        role = require_role(i18n, role)
        ids = [int(i) for i in result_ids or []]
        if not ids:
            if not task_id:
                raise gr.Error(i18n("请先选择任务"))
            ids = long_text.top_results(ws=ctx.ws, role=role, task_id=int(task_id), n=int(top_n or 3))
        started = long_text.start_long_text(ws=ctx.ws, role=role, result_ids=ids, text=text, text_lang=lang or None)
        runner.run_task(role, started["task_id"])
        return gr.update(choices=run_choices(ctx, role), value=started["run_id"])

    @ui_action(i18n, "读取进度失败")
    def poll(role, run_id, last):
        if not role or not run_id:
            return ["", [], ""] + slot_updates(i18n, None)
        status = long_text.run_status(ws=ctx.ws, role=role, run_id=int(run_id))
        # the run's counts are already here: only whether the queue holds the task is asked of the runner
        active = runner.is_active(role, status["task_id"])
        state = {**status, "state": "running" if active else status["task_state"]}
        ids = [p["part_id"] for p in status["parts"]]
        sig = signature(status)
        slots = slot_updates(i18n, status) if sig != last else [gr.update()] * len(slot_outputs)
        return [progress_html(i18n, state), ids, sig] + slots

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
            return gr.update(value=str(long_text.export_part(ws=ctx.ws, role=role, part_id=ids[index])), visible=True)
        return export

    for trigger in (tab.refresh.click, role_picker.change, others.app.load):
        trigger(refresh, [role_picker, tab.task, tab.run], [tab.task, tab.run, tab.text_pick], **private)
    tab.task.change(on_task, [role_picker, tab.task], tab.results, **private)
    tab.text_pick.change(on_text_pick, tab.text_pick, [tab.text, tab.lang], **private)
    poll_io = dict(fn=poll, inputs=[role_picker, tab.run, shown], outputs=[tab.progress, part_ids, shown, *slot_outputs])
    tab.start.click(start, [role_picker, tab.task, tab.top_n, tab.results, tab.text, tab.lang], tab.run, **private)
    tab.run.change(**poll_io, **private)
    tab.timer.tick(**poll_io, show_progress="hidden", **private)
    for index, slot in enumerate(tab.slots):
        slot.regenerate.click(make_regenerate(index), [role_picker, tab.run, part_ids, slot.index], None, **private)
        score = make_score(index)
        slot.score.input(score, [role_picker, part_ids, slot.score, slot.note], None, **private)
        slot.note.blur(score, [role_picker, part_ids, slot.score, slot.note], None, **private)
        slot.export.click(make_export(index), [role_picker, part_ids], slot.file, **private)
