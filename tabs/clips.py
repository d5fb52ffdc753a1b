"""Clip browser (inside the roles tab): filter, page, play and calibrate a role's clips."""
from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from ras.languages import LANG_CODES
from ras.library import clips
from tabs.common import Page, UIContext, choices, connect, connect_each, handles, require_role, selected_row

VALIDITY = (("全部", "all"), ("仅有效（3–10 秒）", "valid"), ("仅无效", "invalid"))
SORTS = (("按编号", "id"), ("按时长（短→长）", "duration"), ("按时长（长→短）", "-duration"), ("按平均评分", "score"))
COLUMNS = ("编号", "文本", "语言", "说话人", "时长", "有效", "分组", "评分", "文件缺失")
# shares of the table: a long transcript wraps in its column instead of pushing the others out of view
COLUMN_WIDTHS = ("6%", "41%", "8%", "10%", "7%", "6%", "6%", "6%", "10%")


@dataclass(frozen=True)
class ClipsTab:
    text_filter: gr.Textbox
    min_duration: gr.Number
    max_duration: gr.Number
    validity: gr.Radio
    sort: gr.Dropdown
    page: gr.Number
    page_size: gr.Slider
    search: gr.Button
    summary: gr.Markdown
    table: gr.Dataframe
    clip_id: gr.Number
    audio: gr.Audio
    text: gr.Textbox
    lang: gr.Dropdown
    valid: gr.Checkbox
    save: gr.Button


def build(ctx: UIContext) -> ClipsTab:
    i18n = ctx.i18n
    gr.Markdown(i18n("### 5. 音频浏览与校对"))
    with gr.Row():
        text_filter = gr.Textbox(label=i18n("文本包含"), elem_id="clips_text_filter")
        min_duration = gr.Number(label=i18n("最短时长（秒）"), minimum=0, value=0, elem_id="clips_min_duration")
        max_duration = gr.Number(label=i18n("最长时长（秒）"), minimum=0, value=0, info=i18n("0 表示不限"),
                                 elem_id="clips_max_duration")
        validity = gr.Radio(choices(i18n, VALIDITY), value="all", label=i18n("有效性"), elem_id="clips_validity")
    with gr.Row():
        sort = gr.Dropdown(choices(i18n, SORTS), value="id", label=i18n("排序"), elem_id="clips_sort")
        page = gr.Number(label=i18n("页码"), value=1, minimum=1, precision=0, elem_id="clips_page")
        page_size = gr.Slider(10, 500, value=50, step=10, label=i18n("每页条数"), elem_id="clips_page_size")
        search = gr.Button(i18n("查询"), variant="primary", elem_id="clips_search")
    summary = gr.Markdown(elem_id="clips_summary")
    table = gr.Dataframe(headers=[i18n(c) for c in COLUMNS], interactive=False, wrap=True,
                         column_widths=list(COLUMN_WIDTHS), elem_id="clips_table")
    gr.Markdown(i18n("点击表格中的一行即可试听并校对该音频。"))
    with gr.Row():
        clip_id = gr.Number(label=i18n("音频编号"), precision=0, interactive=False, elem_id="clips_clip_id")
        audio = gr.Audio(label=i18n("试听"), type="filepath", interactive=False, elem_id="clips_audio")
    with gr.Row():
        text = gr.Textbox(label=i18n("文本"), scale=4, elem_id="clips_text")
        lang = gr.Dropdown(list(LANG_CODES), label=i18n("语言"), elem_id="clips_lang")
        valid = gr.Checkbox(label=i18n("可作为参考音频"), elem_id="clips_valid")
        save = gr.Button(i18n("保存校对"), elem_id="clips_save")
    return ClipsTab(text_filter, min_duration, max_duration, validity, sort, page, page_size, search, summary,
                    table, clip_id, audio, text, lang, valid, save)


def clip_filter(text: str, min_duration, max_duration, validity: str) -> clips.ClipFilter:
    return clips.ClipFilter(
        text=(text or "").strip(),
        min_duration=float(min_duration) if min_duration else None,
        max_duration=float(max_duration) if max_duration else None,  # 0 means no upper limit
        valid={"valid": True, "invalid": False}.get(validity),
    )


def _row(clip: clips.ClipRow) -> list:
    return [clip.id, clip.text, clip.lang, clip.speaker, clip.duration, "✔" if clip.valid else "✘",
            clip.group or "", clip.mean_score if clip.mean_score is not None else "", "⚠" if clip.missing else ""]


@handles("查询音频失败")
def search(ctx: UIContext, tab: ClipsTab, *, role: str | None, contains: str, min_duration, max_duration,
           validity: str, sort: str, page, page_size) -> dict:
    i18n = ctx.i18n
    if not role:
        return {tab.table: [], tab.summary: i18n("请先选择角色")}
    found = clips.list_clips(ws=ctx.ws, role=role, flt=clip_filter(contains, min_duration, max_duration, validity),
                             sort=sort, page=int(page or 1), page_size=int(page_size))
    missing = sum(c.missing for c in found.clips)
    note = f"{i18n('共')} {found.total} {i18n('条')}" + (f" · ⚠ {missing} {i18n('个文件缺失')}" if missing else "")
    return {tab.table: [_row(c) for c in found.clips], tab.summary: note}


@handles("读取音频失败")
def pick(ctx: UIContext, tab: ClipsTab, *, role: str | None, table, evt: gr.SelectData) -> dict:
    clip_id = int(table.iloc[selected_row(evt), 0])
    clip = clips.get_clip(ws=ctx.ws, role=require_role(ctx.i18n, role), clip_id=clip_id)
    path = clips.clip_audio_path(ctx.ws, role, clip)
    return {tab.clip_id: clip_id, tab.audio: str(path) if path.is_file() else None, tab.text: clip.text,
            tab.lang: clip.lang, tab.valid: clip.valid}


@handles("保存失败")
def save(ctx: UIContext, tab: ClipsTab, *, role: str | None, clip_id, text: str, lang: str, valid: bool,
         **filters) -> dict:
    """Save the calibration, then show the page again (the row changed, or left the filter)."""
    if not clip_id:
        raise gr.Error(ctx.i18n("请先在表格中选择一条音频"))
    clips.update_clip(ws=ctx.ws, role=require_role(ctx.i18n, role), clip_id=int(clip_id), text=text, lang=lang,
                      valid=valid)
    gr.Info(ctx.i18n("已保存"))
    return search(ctx, tab, role=role, **filters)


def wire(tab: ClipsTab, ctx: UIContext, page: Page) -> None:
    filters = {"contains": tab.text_filter, "min_duration": tab.min_duration, "max_duration": tab.max_duration,
               "validity": tab.validity, "sort": tab.sort, "page": tab.page, "page_size": tab.page_size}
    # on load too: the page opens on a role, which fires no change
    connect_each(ctx, (tab.search.click, page.role.change, page.app.load), search, tab, {"role": page.role, **filters},
                 [tab.table, tab.summary])
    connect(ctx, tab.table.select, pick, tab, {"role": page.role, "table": tab.table},
            [tab.clip_id, tab.audio, tab.text, tab.lang, tab.valid])
    form = {"clip_id": tab.clip_id, "text": tab.text, "lang": tab.lang, "valid": tab.valid}
    connect(ctx, tab.save.click, save, tab, {"role": page.role, **form, **filters}, [tab.table, tab.summary])
