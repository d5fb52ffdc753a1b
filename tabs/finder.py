"""Find-reference tab: one click from a role's clips to a ranked, explained shortlist of references."""
from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from tabs import finder_events as events
from tabs.common import Page, UIContext, choices, connect, connect_each
from tabs.shortcuts import AbPickers, LongTextPicker, ProductForm
from tabs.widgets import parameter_slider, poll_timer, polled_picker, split_method_dropdown

MAX_SHORTLIST = 5  # shortlist slots shown
SUBSETS = (("全部音频", "all"), ("分类分组", "group"), ("指定编号", "ids"))
SCREEN_HEADERS = ("编号", "文本", "时长", "排除", "原因")
RANK_HEADERS = ("名次", "编号", "候选名单", "通过率 %", "90% 区间", "条数", "失败", "自动评分中位数", "说话人相似度",
                "说明")


@dataclass(frozen=True)
class ShortlistSlot:
    box: gr.Column
    info: gr.Markdown
    reference: gr.Audio
    take: gr.Dropdown
    audio: gr.Audio
    spectrogram: gr.Image
    product: gr.Button
    long_text: gr.Button


@dataclass(frozen=True)
class FinderTab:
    gpt: gr.Dropdown
    sovits: gr.Dropdown
    subset: gr.Radio
    group: gr.Dropdown
    clip_ids: gr.Textbox
    texts: gr.CheckboxGroup
    all_texts: gr.Checkbox
    base: dict  # parameter name -> component
    budget: gr.Number
    shortlist: gr.Number
    estimate: gr.Markdown
    start: gr.Button
    run: gr.Dropdown
    refresh: gr.Button
    delete: gr.Button
    progress: gr.HTML
    screen_summary: gr.Markdown
    screened: gr.Dataframe
    force_id: gr.Number
    force: gr.Button
    ranking: gr.Dataframe
    chart: gr.BarPlot
    compare: gr.Button
    slots: tuple[ShortlistSlot, ...]
    timer: gr.Timer
    shown: gr.State  # what the page shows of the run now: tables and players are left alone while it holds
    per_emotion: gr.Checkbox
    emotions: gr.Markdown  # a per-emotion run: each emotion's shortlist


def _slot(i18n, i: int) -> ShortlistSlot:
    with gr.Column(variant="panel", visible=False, elem_id=f"finder_slot_{i}") as box:
        info = gr.Markdown(elem_id=f"finder_slot_info_{i}")
        with gr.Row(equal_height=False):
            with gr.Column(scale=2, min_width=300):
                reference = gr.Audio(label=i18n("参考音频"), type="filepath", interactive=False,
                                     elem_id=f"finder_slot_reference_{i}")
                audio = gr.Audio(label=i18n("合成结果"), type="filepath", interactive=False,
                                 elem_id=f"finder_slot_audio_{i}")
            with gr.Column(scale=3):
                take = gr.Dropdown(label=i18n("试听结果"), choices=[], elem_id=f"finder_slot_take_{i}")
                spectrogram = gr.Image(label=i18n("频谱图"), type="filepath", format="png", interactive=False,
                                       buttons=[], height=150, elem_id=f"finder_slot_spectrogram_{i}")
                with gr.Row():
                    product = gr.Button(i18n("保存为成品…"), size="sm", elem_id=f"finder_slot_product_{i}")
                    long_text = gr.Button(i18n("长文本测试…"), size="sm", elem_id=f"finder_slot_long_text_{i}")
    return ShortlistSlot(box, info, reference, take, audio, spectrogram, product, long_text)


def _base_parameters(i18n) -> dict:
    with gr.Row():
        return {
            "top_k": parameter_slider("top_k", "top_k", "finder_top_k"),
            "top_p": parameter_slider("top_p", "top_p", "finder_top_p"),
            "temperature": parameter_slider("temperature", "temperature", "finder_temperature"),
            "repetition_penalty": parameter_slider("repetition_penalty", i18n("重复惩罚 repetition_penalty"),
                                                   "finder_repetition_penalty"),
            "text_split_method": split_method_dropdown(i18n, "finder_text_split_method"),
        }


def build(ctx: UIContext) -> FinderTab:
    i18n = ctx.i18n
    gr.Markdown(i18n("### 1. 选择"))
    gr.Markdown(i18n("先按参考音频的标准筛查每条音频（不合成），再分轮试合成：明显更差的参考提前淘汰，"
                     "把作业留给还没分出高下的参考；最后按置信下限排名。"))
    with gr.Row():
        gpt = gr.Dropdown(label=i18n("GPT 模型"), choices=[], elem_id="finder_gpt")
        sovits = gr.Dropdown(label=i18n("SoVITS 模型"), choices=[], elem_id="finder_sovits")
    with gr.Row():
        subset = gr.Radio(choices(i18n, SUBSETS), value="all", label=i18n("候选音频"), elem_id="finder_subset")
        group = gr.Dropdown(label=i18n("分组"), choices=[], elem_id="finder_group")
        clip_ids = gr.Textbox(label=i18n("音频编号（逗号分隔）"), elem_id="finder_clip_ids")
    texts = gr.CheckboxGroup(label=i18n("试合成文本（不选则用内置的一短、一长、含数字、一问句）"), choices=[],
                             elem_id="finder_texts")
    all_texts = gr.Checkbox(False, label=i18n("显示所有语言的文本（默认只列出角色语言的）"), elem_id="finder_all_texts")
    base = _base_parameters(i18n)
    with gr.Row():
        budget = gr.Number(value=0, minimum=0, precision=0, label=i18n("作业预算（0 = 默认）"), elem_id="finder_budget")
        shortlist = gr.Number(value=5, minimum=1, maximum=MAX_SHORTLIST, precision=0, label=i18n("候选名单人数"),
                              elem_id="finder_shortlist")
        per_emotion = gr.Checkbox(False, label=i18n("每种情绪各找一份名单（按音频的情绪标签）"),
                                  elem_id="finder_per_emotion")
        start = gr.Button(i18n("开始找参考"), variant="primary", elem_id="finder_start")
    estimate = gr.Markdown(elem_id="finder_estimate")
    gr.Markdown(i18n("### 2. 进度"))
    with gr.Row():
        run = polled_picker(i18n("找参考记录"), "finder_run", scale=3)
        refresh = gr.Button(i18n("刷新"), scale=0, min_width=100, elem_id="finder_refresh")
        delete = gr.Button(i18n("删除记录"), variant="stop", scale=0, min_width=120, elem_id="finder_delete")
    progress = gr.HTML(elem_id="finder_progress")
    gr.Markdown(i18n("### 3. 筛查"))
    screen_summary = gr.Markdown(elem_id="finder_screen_summary")
    # short reasons (numbers on hover) keep a row one line high, so the box shows about a dozen clips
    screened = gr.Dataframe(headers=[i18n(h) for h in SCREEN_HEADERS],
                            datatype=["number", "str", "number", "str", "html"], interactive=False, wrap=True,
                            max_height=560, column_widths=["7%", "33%", "8%", "8%", "44%"], elem_id="finder_screened")
    with gr.Row():
        force_id = gr.Number(label=i18n("音频编号"), precision=0, minimum=0, elem_id="finder_force_id")
        force = gr.Button(i18n("放回候选"), elem_id="finder_force")
    gr.Markdown(i18n("### 4. 排名"))
    gr.Markdown(i18n("候选名单在前：最后一轮里通过率 70% 以上、90% 置信下限最高的参考。"
                     "其余参考按它们被淘汰的轮次排在后面，每行写明为什么不在名单里。"
                     "下限随条数增加而收紧，所以早早淘汰的参考（条数少）不能只凭下限与名单比较。"))
    ranking = gr.Dataframe(headers=[i18n(h) for h in RANK_HEADERS],
                           datatype=["number", "number", "html", "number", "str", "number", "number", "number",
                                     "number", "html"],
                           interactive=False, wrap=True, max_height=560,
                           column_widths=["6%", "4%", "14%", "6%", "8%", "5%", "6%", "7%", "9%", "35%"],
                           elem_id="finder_ranking")
    chart = gr.BarPlot(x="clip", y="low", color="standing", title=i18n("置信下限（越高越可靠）"),
                       x_title=i18n("参考音频"), y_title=i18n("90% 置信下限"), color_title=i18n("候选名单"),
                       y_lim=[0, 100], elem_id="finder_chart")
    gr.Markdown(i18n("### 5. 候选名单"))
    emotions = gr.Markdown(elem_id="finder_emotions")
    compare = gr.Button(i18n("盲听比较候选名单"), elem_id="finder_compare_blind")
    slots = tuple(_slot(i18n, i) for i in range(MAX_SHORTLIST))
    timer = poll_timer()
    return FinderTab(gpt, sovits, subset, group, clip_ids, texts, all_texts, base, budget, shortlist, estimate, start,
                     run, refresh, delete, progress, screen_summary, screened, force_id, force, ranking, chart, compare,
                     slots, timer, gr.State(""), per_emotion, emotions)


def wire(tab: FinderTab, ctx: UIContext, page: Page, *, product_form: ProductForm, ab_pickers: AbPickers,
         long_text_picker: LongTextPicker) -> None:
    role = {"role": page.role}
    picked = {**role, "run": tab.run}
    form = {**role, "subset": tab.subset, "group": tab.group, "clip_ids": tab.clip_ids, "chosen_texts": tab.texts,
            "budget": tab.budget, "shortlist": tab.shortlist}
    listed = [tab.gpt, tab.sovits, tab.group, tab.texts, tab.run]
    connect_each(ctx, (tab.refresh.click, page.role.change, page.app.load), events.refresh, tab,
                 {**picked, "gpt": tab.gpt, "sovits": tab.sovits, "group": tab.group, "chosen_texts": tab.texts,
                  "all_texts": tab.all_texts}, listed)
    connect(ctx, tab.all_texts.input, events.show_texts, tab,
            {**role, "all_texts": tab.all_texts, "chosen_texts": tab.texts}, tab.texts)
    connect_each(ctx, (tab.subset.change, tab.group.change, tab.texts.change, tab.budget.change, tab.shortlist.change,
                       page.role.change, page.app.load), events.estimate, tab, form, tab.estimate,
                 show_progress="hidden")
    connect(ctx, tab.clip_ids.blur, events.estimate, tab, form, tab.estimate)
    connect(ctx, tab.start.click, events.start, tab,
            {**form, "gpt": tab.gpt, "sovits": tab.sovits, "per_emotion": tab.per_emotion, **tab.base}, tab.run)
    shown_outputs = [tab.progress, tab.screen_summary, tab.screened, tab.ranking, tab.chart, tab.shown, tab.run,
                     tab.emotions,
                     *(c for s in tab.slots for c in (s.box, s.info, s.reference, s.take, s.audio, s.spectrogram))]
    poll_inputs = {**picked, "shown": tab.shown}
    connect(ctx, tab.timer.tick, events.poll, tab, poll_inputs, shown_outputs, show_progress="hidden")
    # a person's pick only: poll relabels the picker's runs, and the timer shows a run picked by start or delete
    forgotten = connect(ctx, tab.run.input, events.forget_shown, tab, None, tab.shown)
    connect(ctx, forgotten.then, events.poll, tab, poll_inputs, shown_outputs)
    connect(ctx, tab.delete.click, events.delete, tab, picked, tab.run)
    connect(ctx, tab.compare.click, events.compare_blind, ab_pickers, picked, ab_pickers.outputs())
    connect(ctx, tab.force.click, events.force, tab, {**picked, "clip_id": tab.force_id}, tab.shown)
    connect(ctx, tab.screened.select, events.pick_screened, tab, {"table": tab.screened}, tab.force_id)
    for slot in tab.slots:
        connect(ctx, slot.take.input, events.play_take, slot, {**picked, "result_id": slot.take},
                [slot.audio, slot.spectrogram])
        connect(ctx, slot.product.click, events.keep_as_product, product_form, {**role, "result_id": slot.take},
                product_form.outputs())
        connect(ctx, slot.long_text.click, events.to_long_text, long_text_picker, {"result_id": slot.take},
                long_text_picker.outputs())

