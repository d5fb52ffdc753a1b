"""The long-text tab's parts: the autopilot's settings, one configuration's slot (joined audio, the sentence
table with tries, playing or choosing a try); events wired by tabs.long_text."""
from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from ras.emotions import EMOTIONS
from ras.gate import DEFAULT_MAX_TRIES, MAX_TRIES_LIMIT, Gate
from ras.long_text import runs as long_text
from ras.long_text import status as run_views
from ras.long_text.status import LongTextStatus, PartStatus
from tabs.common import UIContext, connect, handles, score_radio, selected_row
from tabs.emotion_words import emotion_label
from tabs.flag_labels import flag_words
from tabs.long_text_words import listen_mark, reason_words, rejected_tries, status_label, try_details, try_name
from tabs.widgets import RelistedRadio, picked_id, read_for_shown_role

SENTENCE_COLUMNS = ("序号", "句子", "情感", "需要试听", "尝试", "选用", "未通过的原因", "时长", "字/秒", "状态", "标记")
# Every column gets a share of the table, so all ten stay in view on a narrow page too (left to
# "auto", one long sentence or a sentence's list of reasons widened the table past the page and
# pushed duration, chars/s, state and flags out of view). On a page about 1200 px wide the short
# columns' shares hold their header on one line in either language (measured: squeezed, the table
# broke them to "序/号", "In/dex"); the sentence, the reasons and the flags wrap in theirs.
# The emotion column (a run with a product's emotions) took its share from the sentence and the flags,
# which wrap; the reasons' header needs about all of its share to stay on one line in English.
SENTENCE_COLUMN_WIDTHS = ("5.5%", "13.5%", "7%", "12.5%", "5.5%", "6.5%", "19%", "7.5%", "6.5%", "7%", "9.5%")
# the reasons are HTML: each rejected try's words carry its numbers as a hover text
SENTENCE_TYPES = ("number", "str", "str", "str", "number", "str", "html", "number", "number", "str", "str")
# tall enough for about a dozen sentences before the table scrolls inside itself
SENTENCE_TABLE_HEIGHT = 760


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
    take_details: gr.Markdown  # the picked try: seed, score, rate, length, reasons with numbers
    listed: gr.State  # [label, choices] the try picker last received
    emotion: gr.Dropdown  # another emotion for the sentence (its product's reference for it)
    set_emotion: gr.Button


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
                                 datatype=list(SENTENCE_TYPES), max_height=SENTENCE_TABLE_HEIGHT,
                                 column_widths=list(SENTENCE_COLUMN_WIDTHS), elem_id=f"long_text_sentences_{i}")
        with gr.Row(equal_height=True):
            index = gr.Number(value=0, minimum=0, precision=0, label=i18n("句子序号"), elem_id=f"long_text_index_{i}")
            # every try of the sentence in view at once, each with its reasons; one click plays it
            take = RelistedRadio(label=i18n("这一句的尝试"), choices=[], scale=3, elem_id=f"long_text_take_{i}")
            take_audio = gr.Audio(label=i18n("试听"), type="filepath", interactive=False, scale=2,
                                  elem_id=f"long_text_take_audio_{i}")
            with gr.Column(min_width=160):
                choose = gr.Button(i18n("选用这个尝试"), elem_id=f"long_text_choose_{i}")
                regenerate = gr.Button(i18n("重新生成这一句（新种子）"), elem_id=f"long_text_regenerate_{i}")
        with gr.Row(equal_height=True):
            # a known emotion, or a word of the product's own (e.g. 撒娇): the product says which it holds
            emotion = gr.Dropdown([(emotion_label(i18n, code), code) for code in EMOTIONS], value=None,
                                  allow_custom_value=True, label=i18n("这一句改用的情感（用上面选的成品）"), scale=3,
                                  elem_id=f"long_text_emotion_{i}")
            set_emotion = gr.Button(i18n("用这个情感重新生成这一句"), scale=1, min_width=160,
                                    elem_id=f"long_text_set_emotion_{i}")
        take_details = gr.Markdown(elem_id=f"long_text_take_details_{i}")
    return PartSlot(i, box, info, audio, spectrogram, sentences, index, regenerate, take, take_audio, choose, score,
                    note, export, file, take_details, gr.State([]), emotion, set_emotion)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def sentence_rows(i18n, part: PartStatus, listen_only: bool = False) -> list[list]:
    rows = []
    for s in part.sentences:
        if listen_only and not s.needs_listening:
            continue
        chosen = next((n for n, t in enumerate(s.tries, 1) if t.chosen), None)
        rows.append([s.index, s.text, emotion_label(i18n, s.emotion) if s.emotion else "", listen_mark(i18n, s),
                     len(s.tries), try_name(i18n, chosen) if chosen else "",
                     rejected_tries(i18n, s, part.normal_rate), _rounded(s.duration), _rounded(s.chars_per_second),
                     status_label(i18n, s.status),
                     flag_words(i18n, s.flags) if s.flags else (s.error[:80] if s.error else "")])
    return rows


def listen_counter(i18n, status: LongTextStatus | None) -> str:
    if not status or not status.sentence_count:
        return ""
    return "**" + i18n("{total} 句中有 {n} 句需要你来听").format(n=status.needs_listening,
                                                            total=status.sentence_count) + "**"


def take_choices(i18n, part: PartStatus, index: int) -> list[tuple[str, int]]:
    """The tries of one sentence as picker entries: its name, auto score, chosen mark, reasons in words."""
    if not 0 <= index < len(part.sentences):
        return []
    choices = []
    for n, t in enumerate(part.sentences[index].tries, 1):
        if t.status != "done":
            continue
        score = f" · {i18n('自动评分')} {t.auto_score:.0f}" if t.auto_score is not None else ""
        mark = " ✓" if t.chosen else ""
        why = f" · {reason_words(i18n, t.reasons)}" if t.reasons else ""
        choices.append((f"{try_name(i18n, n)}{score}{mark}{why}", t.result_id))
    return choices


def details_of(i18n, part: PartStatus | None, index: int, result_id) -> str:
    """The details line of the try `result_id` of sentence `index` ("" when there is none)."""
    if part is None or not 0 <= index < len(part.sentences):
        return ""
    tries = part.sentences[index].tries
    found = next((n for n, t in enumerate(tries, 1) if t.result_id == result_id), None)
    return try_details(i18n, found, tries[found - 1], part.normal_rate) if found else ""


def listing(label: str, choices) -> list:
    """What a try picker was sent, in one comparable form: [label, [[text, result id], ...]]."""
    return [label, [list(choice) for choice in choices]]


def read_status(ctx: UIContext, role, run) -> LongTextStatus | None:
    """The run's status; None when no run is picked or the run is gone (deleted, or the page still names a
    run of the role it showed before a role switch): a poll then shows nothing instead of an error."""
    if not role or picked_id(run) is None:
        return None
    return read_for_shown_role(lambda: run_views.run_status(ws=ctx.ws, role=role, run_id=int(run)), lambda: None,
                               report_deleted_role=True)


def part_of_slot(ctx: UIContext, slot: PartSlot, role, run, part_ids) -> PartStatus | None:
    if slot.number >= len(part_ids or []):
        return None
    status = read_status(ctx, role, run)
    return next((p for p in status.parts if p.part_id == part_ids[slot.number]), None) if status else None


def picker_label(i18n, sentence_index) -> str:
    # names the sentence, so a listing still on its way is not taken for the one asked for
    return i18n("第 {} 句的尝试").format(int(sentence_index or 0))


def tries_listing(i18n, part: PartStatus | None, index: int) -> tuple[str, list]:
    """The try picker's label and choices for sentence `index` of `part` (none without a part)."""
    return picker_label(i18n, index), take_choices(i18n, part, index) if part else []


def sentence_tries(ctx: UIContext, slot: PartSlot, role, run, part_ids,
                   sentence_index) -> tuple[str, list, PartStatus | None]:
    """The picker's label and choices for the sentence in view, and the part they are of."""
    part = part_of_slot(ctx, slot, role, run, part_ids)
    return *tries_listing(ctx.i18n, part, int(sentence_index or 0)), part


@handles("读取进度失败")
def pick_sentence(ctx: UIContext, slot: PartSlot, *, table, evt: gr.SelectData) -> dict:
    # the first column is the sentence's index: rows may be filtered to those needing listening
    return {slot.index: int(table.iloc[selected_row(evt), 0])}


def picker_values(i18n, slot: PartSlot, part: PartStatus | None, index: int, picked=None) -> dict:
    """The try picker listing sentence `index` of `part`. A try already picked for this sentence stays picked
    (a listing of the same sentence may arrive after the pick); otherwise the chosen one (✓) is shown."""
    label, choices = tries_listing(i18n, part, index)
    chosen = next((value for text, value in choices if " ✓" in text), None)
    value = picked if picked in {value for _text, value in choices} else chosen
    return {slot.take: gr.update(choices=choices, value=value, label=label), slot.listed: listing(label, choices),
            slot.take_details: details_of(i18n, part, index, value)}


def first_sentence(i18n, slot: PartSlot, part: PartStatus | None) -> dict:
    """A slot that shows another part (or none) starts at its first sentence: its tries listed, the player
    emptied so a try of the part shown before is not taken for one of this one."""
    return {**picker_values(i18n, slot, part, 0), slot.index: 0, slot.take_audio: None}


def first_sentence_outputs(slot: PartSlot) -> list:
    return [slot.index, slot.take, slot.listed, slot.take_details, slot.take_audio]


@handles("读取进度失败")
def list_tries(ctx: UIContext, slot: PartSlot, *, role, run, part_ids, sentence_index, picked) -> dict:
    index = int(sentence_index or 0)
    return picker_values(ctx.i18n, slot, part_of_slot(ctx, slot, role, run, part_ids), index, picked)


@handles("读取进度失败")
def show_sentence(ctx: UIContext, slot: PartSlot, *, role, run, part_ids, sentence_index, picked) -> dict:
    # the player empties so a try of the previous sentence is not taken for one of this one
    return {**list_tries(ctx, slot, role=role, run=run, part_ids=part_ids, sentence_index=sentence_index,
                         picked=picked), slot.take_audio: None}


@handles("读取进度失败")
def refresh_tries(ctx: UIContext, slot: PartSlot, *, role, run, part_ids, sentence_index, listed, picked) -> dict:
    # a try of the sentence in view landed (or the table changed for another reason): a listing
    # that changed nothing is not sent, so it cannot land over a pick made meanwhile
    label, choices, part = sentence_tries(ctx, slot, role, run, part_ids, sentence_index)
    if listing(label, choices) == listed:
        return gr.skip()
    # a pick that is not among the new tries (another run's, after a role switch) goes: the picker would
    # send it with the next event, and Gradio refuses a value outside its choices with an error toast
    stale = picked is not None and picked not in {value for _text, value in choices}
    update = gr.update(choices=choices, label=label, value=None) if stale else gr.update(choices=choices, label=label)
    return {slot.take: update, slot.listed: listing(label, choices),
            slot.take_details: details_of(ctx.i18n, part, int(sentence_index or 0), None if stale else picked)}


@handles("读取进度失败")
def play(ctx: UIContext, slot: PartSlot, *, role, run, part_ids, sentence_index, picked) -> dict:
    # the pick comes back as the picker's value: the page otherwise keeps the value the server
    # sent last and can put it back over the pick when another answer reaches the picker
    part = part_of_slot(ctx, slot, role, run, part_ids)
    index = int(sentence_index or 0)
    if not part or picked is None or not 0 <= index < len(part.sentences):
        return {slot.take_audio: None}
    audio = next((t.audio for t in part.sentences[index].tries if t.result_id == picked), None)
    return {slot.take_audio: audio, slot.take: gr.update(value=picked),
            slot.take_details: details_of(ctx.i18n, part, index, picked)}


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
    listed = [slot.take, slot.listed, slot.take_details]
    # a run's parts shown anew are answered by the poll itself (first_sentence): the page re-sent a
    # change of a gr.State to its listeners over and over (seen on a busy machine, every slot's listing
    # again every few tenths of a second, each emptying the player)
    connect(ctx, slot.index.change, show_sentence, slot, with_pick, [*listed, slot.take_audio])
    connect(ctx, slot.sentences.change, refresh_tries, slot, {**with_pick, "listed": slot.listed}, listed,
            show_progress="hidden")
    connect(ctx, slot.take.input, play, slot, with_pick, [slot.take_audio, slot.take, slot.take_details],
            show_progress="hidden")
    chosen = connect(ctx, slot.choose.click, choose, slot, with_pick, None)
    connect(ctx, chosen.then, list_tries, slot, with_pick, listed)
