"""The long-text tab's parts: the autopilot's settings, one configuration's slot (joined audio, the sentence
table with tries, playing or choosing a try); events wired by tabs.long_text."""
from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from ras.gate import DEFAULT_MAX_TRIES, MAX_TRIES_LIMIT, Gate
from ras.long_text import runs as long_text
from ras.long_text import status as run_views
from ras.long_text.status import LongTextStatus, PartStatus
from tabs.common import UIContext, connect, handles, score_radio, selected_row
from tabs.flag_labels import flag_words, word_list

SENTENCE_COLUMNS = ("序号", "句子", "需要试听", "尝试", "选用", "未通过的原因", "时长", "字/秒", "状态", "标记")
# Every column gets a share of the table, so all ten stay in view on a narrow page too (left to
# "auto", one long sentence or a sentence's list of reasons widened the table past the page and
# pushed duration, chars/s, state and flags out of view). On a page about 1200 px wide the short
# columns' shares hold their header on one line in either language (measured: squeezed, the table
# broke them to "序/号", "In/dex"); the sentence, the reasons and the flags wrap in theirs.
SENTENCE_COLUMN_WIDTHS = ("5.5%", "18%", "12.5%", "5.5%", "6.5%", "20%", "7.5%", "6.5%", "7%", "11%")


@dataclass(frozen=True)
class PartSlot:
    """The components showing one configuration's part; `number` is its place (part_ids[number])."""

    number: int
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
    listed: gr.State  # [label, choices] the try picker last received


def autopilot_controls(i18n) -> tuple:
    """(on, max tries, min auto score, chars/s tolerance, max CER), the gate's defaults preset."""
    gate = Gate()
    with gr.Accordion(i18n("自动重试（质量门槛）"), open=True, elem_id="long_text_autopilot_box"):
        gr.Markdown(i18n("未通过门槛的句子用新种子重新生成，最多 N 次；每句自动选用最好的一次。门槛：没有严重问题"
                         "（重复、长停顿、截断、无声、电音、念出参考文本），自动评分不低于下限，"
                         "字/秒在该配置自己的中位数 ± 容差内，"
                         "有识别模型时错误率不高于上限（同一句各次都有的误识别不算，除非比其中最好的一次高出 0.1）。"))
        with gr.Row():
            autopilot = gr.Checkbox(value=True, label=i18n("自动重试"), elem_id="long_text_autopilot")
            max_tries = gr.Slider(1, MAX_TRIES_LIMIT, value=DEFAULT_MAX_TRIES, step=1, label=i18n("每句最多尝试次数"),
                                  elem_id="long_text_max_tries")
            min_score = gr.Slider(0, 100, value=gate.min_auto_score, step=1, label=i18n("自动评分下限"),
                                  elem_id="long_text_min_auto_score")
            tolerance = gr.Slider(0.05, 0.9, value=gate.rate_tolerance, step=0.05,
                                  label=i18n("字/秒容差（中位数的比例）"), elem_id="long_text_rate_tolerance")
            max_cer = gr.Slider(0, 1, value=gate.max_cer, step=0.05, label=i18n("识别错误率上限"),
                                elem_id="long_text_max_cer")
    return autopilot, max_tries, min_score, tolerance, max_cer


def autopilot_options(autopilot, max_tries, min_score, tolerance, max_cer) -> dict:
    return {"max_tries": int(max_tries) if autopilot else 1, "min_auto_score": float(min_score),
            "rate_tolerance": float(tolerance), "max_cer": float(max_cer)}


def build_slot(i18n, i: int) -> PartSlot:
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
        with gr.Row(equal_height=True):
            index = gr.Number(value=0, minimum=0, precision=0, label=i18n("句子序号"), elem_id=f"long_text_index_{i}")
            # every try of the sentence in view at once, each with its reasons; one click plays it
            take = gr.Radio(label=i18n("这一句的尝试"), choices=[], scale=3, elem_id=f"long_text_take_{i}")
            take_audio = gr.Audio(label=i18n("试听"), type="filepath", interactive=False, scale=2,
                                  elem_id=f"long_text_take_audio_{i}")
            with gr.Column(min_width=160):
                choose = gr.Button(i18n("选用这个尝试"), elem_id=f"long_text_choose_{i}")
                regenerate = gr.Button(i18n("重新生成这一句（新种子）"), elem_id=f"long_text_regenerate_{i}")
    return PartSlot(i, box, info, audio, spectrogram, sentences, index, regenerate, take, take_audio, choose, score,
                    note, export, file, gr.State([]))


def status_label(i18n, status: str) -> str:
    labels = {"done": i18n("完成"), "queued": i18n("排队"), "running": i18n("运行中"), "failed": i18n("失败"),
              "cancelled": i18n("已取消")}
    return labels.get(status, status)


def reason_words(i18n, reasons) -> str:
    """The gate's reason codes (ras.gate) as words in the page language."""
    words = []
    for reason in reasons:
        code, _, value = reason.partition(":")
        if code == "flag":
            words.append(flag_words(i18n, [value]))
        else:
            label = {"auto_score": i18n("自动评分低"), "chars_per_second": i18n("语速异常"),
                     "cer": i18n("识别错误率高"), "not_analysed": i18n("未分析"),
                     "analysis_failed": i18n("分析失败")}.get(code)
            words.append(f"{label} {value}".strip() if label else status_label(i18n, reason))
    return word_list(i18n, words)


def sentence_rows(i18n, part: PartStatus, listen_only: bool = False) -> list[list]:
    rows = []
    for s in part.sentences:
        if listen_only and not s.needs_listening:
            continue
        tries = s.tries
        chosen = next((n for n, t in enumerate(tries, 1) if t.chosen), None)
        rejected = [f"{n}: {reason_words(i18n, t.reasons)}" for n, t in enumerate(tries, 1)
                    if t.reasons and t.status == "done"]
        mark = "👂 " + i18n("需要试听") if s.needs_listening else ""
        rows.append([s.index, s.text, mark, len(tries), f"{chosen}/{len(tries)}" if chosen else "",
                     i18n("；").join(rejected), s.duration, s.chars_per_second, status_label(i18n, s.status),
                     flag_words(i18n, s.flags) if s.flags else (s.error[:80] if s.error else "")])
    return rows


def listen_counter(i18n, status: LongTextStatus | None) -> str:
    if not status or not status.sentence_count:
        return ""
    return "**" + i18n("{total} 句中有 {n} 句需要你来听").format(n=status.needs_listening,
                                                            total=status.sentence_count) + "**"


def take_choices(i18n, part: PartStatus, index: int) -> list[tuple[str, int]]:
    """The tries of one sentence as picker entries: number, seed, auto score, chosen mark, reasons."""
    if not 0 <= index < len(part.sentences):
        return []
    choices = []
    for n, t in enumerate(part.sentences[index].tries, 1):
        if t.status != "done":
            continue
        score = f" · {t.auto_score:g}" if t.auto_score is not None else ""
        mark = " ✓" if t.chosen else ""
        why = f" · {reason_words(i18n, t.reasons)}" if t.reasons else ""
        choices.append((f"{n}. {i18n('种子')} {t.seed}{score}{mark}{why}", t.result_id))
    return choices


def listing(label: str, choices) -> list:
    """What a try picker was sent, in one comparable form: [label, [[text, result id], ...]]."""
    return [label, [list(choice) for choice in choices]]


def part_of_slot(ctx: UIContext, slot: PartSlot, role, run, part_ids) -> PartStatus | None:
    if not role or not run or slot.number >= len(part_ids or []):
        return None
    status = run_views.run_status(ws=ctx.ws, role=role, run_id=int(run))
    return next((p for p in status.parts if p.part_id == part_ids[slot.number]), None)


def picker_label(i18n, sentence_index) -> str:
    # names the sentence, so a listing still on its way is not taken for the one asked for
    return i18n("第 {} 句的尝试").format(int(sentence_index or 0))


def sentence_tries(ctx: UIContext, slot: PartSlot, role, run, part_ids, sentence_index) -> tuple[str, list]:
    """The picker's label and choices for the sentence in view."""
    part = part_of_slot(ctx, slot, role, run, part_ids)
    label = picker_label(ctx.i18n, sentence_index)
    return label, take_choices(ctx.i18n, part, int(sentence_index or 0)) if part else []


@handles("读取进度失败")
def pick_sentence(ctx: UIContext, slot: PartSlot, *, table, evt: gr.SelectData) -> dict:
    # the first column is the sentence's index: rows may be filtered to those needing listening
    return {slot.index: int(table.iloc[selected_row(evt), 0])}


@handles("读取进度失败")
def list_tries(ctx: UIContext, slot: PartSlot, *, role, run, part_ids, sentence_index, picked) -> dict:
    """The sentence's tries in the picker. A try already picked for this sentence stays picked (a listing of
    the same sentence may arrive after the pick); otherwise the chosen one (✓) is shown."""
    label, choices = sentence_tries(ctx, slot, role, run, part_ids, sentence_index)
    chosen = next((value for text, value in choices if " ✓" in text), None)
    keeps_pick = picked in {value for _text, value in choices}
    return {slot.take: gr.update(choices=choices, value=picked if keeps_pick else chosen, label=label),
            slot.listed: listing(label, choices)}


@handles("读取进度失败")
def show_sentence(ctx: UIContext, slot: PartSlot, *, role, run, part_ids, sentence_index, picked) -> dict:
    # the player empties so a try of the previous sentence is not taken for one of this one
    return {**list_tries(ctx, slot, role=role, run=run, part_ids=part_ids, sentence_index=sentence_index,
                         picked=picked), slot.take_audio: None}


@handles("读取进度失败")
def refresh_tries(ctx: UIContext, slot: PartSlot, *, role, run, part_ids, sentence_index, listed) -> dict:
    # a try of the sentence in view landed (or the table changed for another reason): a listing
    # that changed nothing is not sent, so it cannot land over a pick made meanwhile
    label, choices = sentence_tries(ctx, slot, role, run, part_ids, sentence_index)
    if listing(label, choices) == listed:
        return gr.skip()
    return {slot.take: gr.update(choices=choices, label=label), slot.listed: listing(label, choices)}


@handles("读取进度失败")
def play(ctx: UIContext, slot: PartSlot, *, role, run, part_ids, sentence_index, picked) -> dict:
    # the pick comes back as the picker's value: the page otherwise keeps the value the server
    # sent last and can put it back over the pick when another answer reaches the picker
    part = part_of_slot(ctx, slot, role, run, part_ids)
    index = int(sentence_index or 0)
    if not part or picked is None or not 0 <= index < len(part.sentences):
        return {slot.take_audio: None}
    audio = next((t.audio for t in part.sentences[index].tries if t.result_id == picked), None)
    return {slot.take_audio: audio, slot.take: gr.update(value=picked)}


@handles("选择失败")
def choose(ctx: UIContext, slot: PartSlot, *, role, run, part_ids, sentence_index, picked) -> None:
    i18n = ctx.i18n
    if slot.number >= len(part_ids or []) or picked is None:
        raise gr.Error(i18n("请先选择一个尝试"))
    long_text.choose_take(ws=ctx.ws, role=role, run_id=int(run), part_id=part_ids[slot.number],
                          index=int(sentence_index or 0), result_id=int(picked))
    gr.Info(i18n("已选用，拼接音频已更新"))


def wire_takes(ctx: UIContext, slot: PartSlot, role_picker, run, part_ids) -> None:
    """A click on a sentence picks it; the picker lists its tries; a pick plays; choose keeps it."""
    sentence = {"role": role_picker, "run": run, "part_ids": part_ids, "sentence_index": slot.index}
    with_pick = {**sentence, "picked": slot.take}
    connect(ctx, slot.sentences.select, pick_sentence, slot, {"table": slot.sentences}, slot.index)
    # a sentence entered, or a run's parts shown (the box starts at sentence 0, which changes nothing)
    for shown in (slot.index.change, part_ids.change):
        connect(ctx, shown, show_sentence, slot, with_pick, [slot.take, slot.listed, slot.take_audio])
    connect(ctx, slot.sentences.change, refresh_tries, slot, {**sentence, "listed": slot.listed},
            [slot.take, slot.listed], show_progress="hidden")
    connect(ctx, slot.take.input, play, slot, with_pick, [slot.take_audio, slot.take], show_progress="hidden")
    chosen = connect(ctx, slot.choose.click, choose, slot, with_pick, None)
    connect(ctx, chosen.then, list_tries, slot, with_pick, [slot.take, slot.listed])
