"""Clip browser (inside the roles tab): filter, page, play and calibrate a role's clips."""
from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from ras.analysis.emotion_tagging import EmotionJob
from ras.emotions import EMOTIONS, LABELS
from ras.languages import LANG_CODES
from ras.library import clips, emotion_tags
from tabs.common import Page, UIContext, choices, connect, connect_each, handles, require_role, selected_row
from tabs.emotion_words import emotion_label
from tabs.widgets import POLL_SECONDS

VALIDITY = (("全部", "all"), ("仅有效（3–10 秒）", "valid"), ("仅无效", "invalid"))
SORTS = (("按编号", "id"), ("按时长（短→长）", "duration"), ("按时长（长→短）", "-duration"), ("按平均评分", "score"))
COLUMNS = ("编号", "文本", "语言", "说话人", "时长", "有效", "分组", "情感", "评分", "文件缺失")
# shares of the table: a long transcript wraps in its column instead of pushing the others out of view
COLUMN_WIDTHS = ("6%", "35%", "7%", "9%", "7%", "5%", "6%", "9%", "6%", "10%")
ANY_EMOTION, UNTAGGED = "*any*", "*untagged*"  # filter codes no emotion can be (brackets and * are refused there)


@dataclass(frozen=True)
class ClipsTab:
    text_filter: gr.Textbox
    min_duration: gr.Number
    max_duration: gr.Number
    validity: gr.Radio
    emotion_filter: gr.Dropdown
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
    emotion: gr.Dropdown
    save: gr.Button
    tag_model: gr.Button
    tag_status: gr.Markdown
    tag_timer: gr.Timer  # ticks only while the role's emotion-tagging job runs


def build(ctx: UIContext) -> ClipsTab:
    i18n = ctx.i18n
    gr.Markdown(i18n("### 5. 音频浏览与校对"))
    with gr.Row():
        text_filter = gr.Textbox(label=i18n("文本包含"), elem_id="clips_text_filter")
        min_duration = gr.Number(label=i18n("最短时长（秒）"), minimum=0, value=0, elem_id="clips_min_duration")
        max_duration = gr.Number(label=i18n("最长时长（秒）"), minimum=0, value=0, info=i18n("0 表示不限"),
                                 elem_id="clips_max_duration")
        validity = gr.Radio(choices(i18n, VALIDITY), value="all", label=i18n("有效性"), elem_id="clips_validity")
        emotion_filter = gr.Dropdown(emotion_filter_choices(i18n, []), value=ANY_EMOTION, label=i18n("情感"),
                                     elem_id="clips_emotion_filter")
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
        emotion = gr.Dropdown(emotion_choices(i18n, []), value=UNTAGGED, allow_custom_value=True, label=i18n("情感"),
                              info=i18n("可输入新的情感名；人工标注不会被自动标注覆盖"), elem_id="clips_emotion")
        save = gr.Button(i18n("保存校对"), elem_id="clips_save")
    with gr.Row():
        tag_model = gr.Button(i18n("用情感模型标注未标注的音频"), elem_id="clips_tag_model")
        tag_status = gr.Markdown(
            i18n("情感模型（emotion2vec）只听尚无情感标签的音频，不会覆盖文件名、分组或人工标注。"),
            elem_id="clips_tag_status")
    tag_timer = gr.Timer(POLL_SECONDS, active=False)
    return ClipsTab(text_filter, min_duration, max_duration, validity, emotion_filter, sort, page, page_size, search,
                    summary, table, clip_id, audio, text, lang, valid, emotion, save, tag_model, tag_status,
                    tag_timer)


def emotion_choices(i18n, role_emotions: list[str]) -> list[tuple[str, str]]:
    """The known emotions, then the role's own words, then "untagged"."""
    own = [e for e in role_emotions if e and e not in LABELS]
    return [(emotion_label(i18n, e), e) for e in (*EMOTIONS, *own)] + [(i18n("未标注"), UNTAGGED)]


def emotion_filter_choices(i18n, role_emotions: list[str]) -> list[tuple[str, str]]:
    return [(i18n("全部"), ANY_EMOTION)] + emotion_choices(i18n, role_emotions)


def source_label(i18n, source: str) -> str:
    return {"name": i18n("文件名"), "folder": i18n("文件夹"), "group": i18n("分组"), "model": i18n("模型"),
            "person": i18n("人工")}[source]


def emotion_cell(i18n, clip: clips.ClipRow) -> str:
    if not clip.emotion:
        return ""
    sure = f" {clip.emotion_confidence:.2f}" if clip.emotion_source == "model" and clip.emotion_confidence else ""
    return f"{emotion_label(i18n, clip.emotion)} · {source_label(i18n, clip.emotion_source)}{sure}"


def clip_filter(text: str, min_duration, max_duration, validity: str,
                emotion: str | None = ANY_EMOTION) -> clips.ClipFilter:
    return clips.ClipFilter(
        text=(text or "").strip(),
        min_duration=float(min_duration) if min_duration else None,
        max_duration=float(max_duration) if max_duration else None,  # 0 means no upper limit
        valid={"valid": True, "invalid": False}.get(validity),
        emotion=None if emotion in (None, ANY_EMOTION) else "" if emotion == UNTAGGED else emotion,
    )


def _row(i18n, clip: clips.ClipRow) -> list:
    return [clip.id, clip.text, clip.lang, clip.speaker, clip.duration, "✔" if clip.valid else "✘",
            clip.group or "", emotion_cell(i18n, clip), clip.mean_score if clip.mean_score is not None else "",
            "⚠" if clip.missing else ""]


def emotion_summary(i18n, counts: list[emotion_tags.EmotionCount]) -> str:
    return " · ".join(f"{emotion_label(i18n, c.emotion) if c.emotion else i18n('未标注')} {c.count}" for c in counts)


@handles("查询音频失败")
def search(ctx: UIContext, tab: ClipsTab, *, role: str | None, contains: str, min_duration, max_duration,
           validity: str, emotion_filter: str, sort: str, page, page_size) -> dict:
    i18n = ctx.i18n
    if not role:
        return {tab.table: [], tab.summary: i18n("请先选择角色")}
    flt = clip_filter(contains, min_duration, max_duration, validity, emotion_filter)
    found = clips.list_clips(ws=ctx.ws, role=role, flt=flt, sort=sort, page=int(page or 1), page_size=int(page_size))
    counts = emotion_tags.emotion_counts(ws=ctx.ws, role=role)
    missing = sum(c.missing for c in found.clips)
    note = f"{i18n('共')} {found.total} {i18n('条')}" + (f" · ⚠ {missing} {i18n('个文件缺失')}" if missing else "")
    if any(c.emotion for c in counts):
        note += f"  \n{i18n('情感')}: {emotion_summary(i18n, counts)}"
    own = [c.emotion for c in counts]
    return {tab.table: [_row(i18n, c) for c in found.clips], tab.summary: note,
            tab.emotion_filter: gr.update(choices=emotion_filter_choices(i18n, own)),
            tab.emotion: gr.update(choices=emotion_choices(i18n, own))}


@handles("读取音频失败")
def pick(ctx: UIContext, tab: ClipsTab, *, role: str | None, table, evt: gr.SelectData) -> dict:
    clip_id = int(table.iloc[selected_row(evt), 0])
    clip = clips.get_clip(ws=ctx.ws, role=require_role(ctx.i18n, role), clip_id=clip_id)
    path = clips.clip_audio_path(ctx.ws, role, clip)
    return {tab.clip_id: clip_id, tab.audio: str(path) if path.is_file() else None, tab.text: clip.text,
            tab.lang: clip.lang, tab.valid: clip.valid, tab.emotion: clip.emotion or UNTAGGED}


@handles("保存失败")
def save(ctx: UIContext, tab: ClipsTab, *, role: str | None, clip_id, text: str, lang: str, valid: bool,
         emotion: str | None = None, **filters) -> dict:
    """Save the calibration, then show the page again (the row changed, or left the filter). A changed emotion
    becomes a person's tag; an unchanged one keeps its source."""
    if not clip_id:
        raise gr.Error(ctx.i18n("请先在表格中选择一条音频"))
    role = require_role(ctx.i18n, role)
    before = clips.update_clip(ws=ctx.ws, role=role, clip_id=int(clip_id), text=text, lang=lang, valid=valid)
    chosen = "" if emotion in (None, UNTAGGED) else emotion
    if emotion is not None and chosen != before.emotion:
        emotion_tags.set_clip_emotion(ws=ctx.ws, role=role, clip_ids=[int(clip_id)], emotion=chosen)
    gr.Info(ctx.i18n("已保存"))
    return search(ctx, tab, role=role, **filters)


def job_line(i18n, job: EmotionJob) -> str:
    if job.state == "idle":
        return ""
    if job.state == "failed":
        return f"✘ {i18n('情感标注失败')}: {job.error}"
    head = f"{i18n('情感标注中') if job.state == 'running' else '✔ ' + i18n('情感标注完成')}"
    gone = f" · ⚠ {job.missing} {i18n('个文件缺失')}" if job.missing else ""
    return (f"{head} · {job.model} · {i18n('已听')} {job.done}/{job.total} · {i18n('已标注')} {job.tagged}"
            f"{gone}")


@handles("情感标注失败")
def tag_with_model(ctx: UIContext, tab: ClipsTab, *, role: str | None) -> dict:
    job = ctx.emotion_tagger.start(require_role(ctx.i18n, role))
    return {tab.tag_status: job_line(ctx.i18n, job), tab.tag_timer: gr.update(active=True)}


@handles("情感标注失败")
def poll_tagging(ctx: UIContext, tab: ClipsTab, *, role: str | None, **filters) -> dict:
    """The job's progress; once it ends, the timer stops and the table shows the new tags."""
    if not role:
        return {tab.tag_timer: gr.update(active=False)}
    job = ctx.emotion_tagger.status(role)
    shown = {tab.tag_status: job_line(ctx.i18n, job), tab.tag_timer: gr.update(active=job.state == "running")}
    return shown if job.state == "running" else {**search(ctx, tab, role=role, **filters), **shown}


def wire(tab: ClipsTab, ctx: UIContext, page: Page) -> None:
    filters = {"contains": tab.text_filter, "min_duration": tab.min_duration, "max_duration": tab.max_duration,
               "validity": tab.validity, "emotion_filter": tab.emotion_filter, "sort": tab.sort, "page": tab.page,
               "page_size": tab.page_size}
    # on load too: the page opens on a role, which fires no change
    shown = [tab.table, tab.summary, tab.emotion_filter, tab.emotion]
    connect_each(ctx, (tab.search.click, page.role.change, page.app.load, tab.emotion_filter.input), search, tab,
                 {"role": page.role, **filters}, shown)
    connect(ctx, tab.table.select, pick, tab, {"role": page.role, "table": tab.table},
            [tab.clip_id, tab.audio, tab.text, tab.lang, tab.valid, tab.emotion])
    form = {"clip_id": tab.clip_id, "text": tab.text, "lang": tab.lang, "valid": tab.valid, "emotion": tab.emotion}
    connect(ctx, tab.save.click, save, tab, {"role": page.role, **form, **filters}, shown)
    connect(ctx, tab.tag_model.click, tag_with_model, tab, {"role": page.role}, [tab.tag_status, tab.tag_timer])
    connect(ctx, tab.tag_timer.tick, poll_tagging, tab, {"role": page.role, **filters},
            [*shown, tab.tag_status, tab.tag_timer], show_progress="hidden")
