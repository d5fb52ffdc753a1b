"""Split tab: cut a long or flawed clip at its pauses into new 3–10 s clips of the role."""
from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from ras.errors import InputError
from ras.metrics.asr import AsrConfig
from ras.split import pieces as split_service
from tabs.common import Page, UIContext, connect, connect_each, handles, refreshed_choice, require_role, selected_row
from tabs.widgets import refresh_button

PIECE_COLUMNS = ("开始（秒）", "结束（秒）", "文本")


@dataclass(frozen=True)
class SplitTab:
    clip: gr.Dropdown
    refresh: gr.Button
    min_silence: gr.Slider
    propose: gr.Button
    waveform: gr.Image
    spectrogram: gr.Image
    pieces: gr.Dataframe
    redraw: gr.Button
    piece_no: gr.Number
    preview: gr.Button
    piece_audio: gr.Audio
    transcribe: gr.Checkbox
    save: gr.Button
    status: gr.Markdown


def build(ctx: UIContext) -> SplitTab:
    i18n = ctx.i18n
    gr.Markdown(i18n("在停顿处把长音频或有瑕疵的音频切成新的音频（3–10 秒为有效参考音频），新音频记录其来源音频。"))
    gr.Markdown(i18n("### 1. 选择音频"))
    with gr.Row():
        clip = gr.Dropdown(label=i18n("音频（长的在前）"), choices=[], scale=4, elem_id="split_clip")
        refresh = refresh_button(i18n, "split_refresh", min_width=120)
    gr.Markdown(i18n("### 2. 在停顿处切分"))
    with gr.Row():
        min_silence = gr.Slider(100, 2000, value=300, step=50, label=i18n("最短停顿（毫秒）"),
                                info=i18n("只在不短于此长度的停顿中间切开"), elem_id="split_min_silence")
        propose = gr.Button(i18n("检测切分点"), variant="primary", elem_id="split_propose")
    waveform = gr.Image(label=i18n("波形与切分点（红线）"), type="filepath", format="png", interactive=False,
                        elem_id="split_waveform")
    spectrogram = gr.Image(label=i18n("频谱图"), type="filepath", format="png", interactive=False,
                           elem_id="split_spectrogram")
    gr.Markdown(i18n("### 3. 调整切分结果"))
    gr.Markdown(i18n("可直接修改表格中的开始、结束时间和文本；没有语音识别模型时，文本按各段语音时长从原文本中分配，请校对。"))
    pieces = gr.Dataframe(headers=[i18n(c) for c in PIECE_COLUMNS], datatype=["number", "number", "str"],
                          interactive=True, wrap=True, elem_id="split_pieces")
    with gr.Row():
        redraw = gr.Button(i18n("按表格重画切分点"), elem_id="split_redraw")
        piece_no = gr.Number(label=i18n("试听第几段"), value=1, minimum=1, precision=0, elem_id="split_piece_no")
        preview = gr.Button(i18n("试听"), elem_id="split_preview")
        piece_audio = gr.Audio(label=i18n("片段试听"), type="numpy", interactive=False, elem_id="split_piece_audio")
    gr.Markdown(i18n("### 4. 保存为新音频"))
    has_asr = bool(AsrConfig.from_settings(ctx.settings).models().found)  # FunASR or faster-whisper, any language
    with gr.Row():
        transcribe = gr.Checkbox(label=i18n("用语音识别模型转写各段"), value=False, interactive=has_asr,
                                 info=i18n("需要用 --asr-model 目录 启动 RAS") if not has_asr else None,
                                 elem_id="split_transcribe")
        save = gr.Button(i18n("保存切分"), variant="primary", elem_id="split_save")
    status = gr.Markdown(elem_id="split_status")
    return SplitTab(clip, refresh, min_silence, propose, waveform, spectrogram, pieces, redraw, piece_no, preview,
                    piece_audio, transcribe, save, status)


def clip_choices(ctx: UIContext, role: str | None, current=None):
    found = split_service.long_clips(ws=ctx.ws, role=role) if role else []
    picks = [(f"#{c.id} · {c.duration:.1f}s · {c.text[:40]}", c.id) for c in found]
    return refreshed_choice(picks, current)


@dataclass(frozen=True)
class EditedPiece:
    """A row of the pieces table as the user left it."""

    start: float
    end: float
    text: str


def table_pieces(table) -> list[EditedPiece]:
    """The edited table's rows as pieces; blank rows are ignored."""
    rows = table.values.tolist() if hasattr(table, "values") else list(table or [])
    pieces = []
    for number, row in enumerate(rows, start=1):
        if all(str(v).strip() in ("", "nan", "None") for v in row):
            continue
        try:
            pieces.append(EditedPiece(float(row[0]), float(row[1]), str(row[2] or "").strip()))
        except (TypeError, ValueError):
            raise InputError(f"row {number}: start and end must be numbers of seconds") from None
    if not pieces:
        raise InputError("no pieces: detect the cut points first")
    return pieces


def _chosen(ctx: UIContext, clip_id) -> int:
    if clip_id is None:
        raise gr.Error(ctx.i18n("请先选择一条音频"))
    return int(clip_id)


@handles("读取音频失败")
def refresh(ctx: UIContext, tab: SplitTab, *, role: str | None, clip_id) -> dict:
    return {tab.clip: clip_choices(ctx, role, clip_id)}


@handles("检测切分点失败")
def propose(ctx: UIContext, tab: SplitTab, *, role: str | None, clip_id, min_silence) -> dict:
    role, clip_id = require_role(ctx.i18n, role), _chosen(ctx, clip_id)
    pieces = split_service.propose(ws=ctx.ws, role=role, clip_id=clip_id, min_silence_ms=int(min_silence))
    wave, spec = split_service.preview_images(ws=ctx.ws, role=role, clip_id=clip_id, pieces=pieces)
    return {tab.waveform: str(wave), tab.spectrogram: str(spec), tab.pieces: [[p.start, p.end, p.text] for p in pieces],
            tab.status: f"✔ {len(pieces)} {ctx.i18n('段')}"}


@handles("绘制失败")
def redraw(ctx: UIContext, tab: SplitTab, *, role: str | None, clip_id, table) -> dict:
    wave, _ = split_service.preview_images(ws=ctx.ws, role=require_role(ctx.i18n, role), clip_id=_chosen(ctx, clip_id),
                                           pieces=table_pieces(table))
    return {tab.waveform: str(wave)}


@handles("试听失败")
def preview(ctx: UIContext, tab: SplitTab, *, role: str | None, clip_id, table, number) -> dict:
    pieces = table_pieces(table)
    index = int(number or 1) - 1
    if not 0 <= index < len(pieces):
        raise gr.Error(f"{ctx.i18n('没有这一段')}: {number}")
    piece = pieces[index]
    return {tab.piece_audio: split_service.piece_audio(ws=ctx.ws, role=require_role(ctx.i18n, role),
                                                       clip_id=_chosen(ctx, clip_id), start=piece.start,
                                                       end=piece.end)}


@handles("保存切分失败")
def save(ctx: UIContext, tab: SplitTab, *, role: str | None, clip_id, table, transcribe: bool, min_silence) -> dict:
    i18n, role = ctx.i18n, require_role(ctx.i18n, role)
    pieces = table_pieces(table)
    transcriber = split_service.transcriber_for(AsrConfig.from_settings(ctx.settings)) if transcribe else None
    saved = split_service.save_pieces(
        ws=ctx.ws, role=role, clip_id=_chosen(ctx, clip_id), pieces=pieces, min_silence_ms=int(min_silence),
        texts=None if transcribe else [p.text for p in pieces], transcriber=transcriber)
    valid = sum(c.valid for c in saved)
    ids = ", ".join(f"#{c.id}" for c in saved)
    note = f"✔ {i18n('已保存')} {len(saved)} {i18n('条新音频')} ({ids}) · {valid} {i18n('条有效（3–10 秒）')}"
    return {tab.status: note, tab.clip: clip_choices(ctx, role, clip_id)}


@handles("切分失败")
def pick_row(ctx: UIContext, tab: SplitTab, *, evt: gr.SelectData) -> dict:
    return {tab.piece_no: selected_row(evt) + 1}


def wire(tab: SplitTab, ctx: UIContext, page: Page) -> None:
    picked = {"role": page.role, "clip_id": tab.clip}
    connect_each(ctx, (page.role.change, page.app.load, tab.refresh.click), refresh, tab, picked, tab.clip)
    connect(ctx, tab.propose.click, propose, tab, {**picked, "min_silence": tab.min_silence},
            [tab.waveform, tab.spectrogram, tab.pieces, tab.status])
    connect(ctx, tab.redraw.click, redraw, tab, {**picked, "table": tab.pieces}, tab.waveform)
    connect(ctx, tab.pieces.select, pick_row, tab, None, tab.piece_no)
    connect(ctx, tab.preview.click, preview, tab, {**picked, "table": tab.pieces, "number": tab.piece_no},
            tab.piece_audio)
    connect(ctx, tab.save.click, save, tab,
            {**picked, "table": tab.pieces, "transcribe": tab.transcribe, "min_silence": tab.min_silence},
            [tab.status, tab.clip])
