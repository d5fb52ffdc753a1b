"""Find-reference tab: one click from a role's clips to a ranked, explained shortlist of references."""
from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from tabs.common import Page, UIContext, choices
from tabs.finder_events import wire_events
from tabs.widgets import parameter_slider, poll_timer, split_method_dropdown

MAX_SHORTLIST = 5  # shortlist slots shown
SUBSETS = (("全部音频", "all"), ("分类分组", "group"), ("指定编号", "ids"))
SCREEN_HEADERS = ("编号", "文本", "时长", "排除", "原因")
RANK_HEADERS = ("名次", "编号", "通过率", "下限", "上限", "条数", "失败", "自动评分中位数", "说话人相似度", "说明")


@dataclass(frozen=True)
class ShortlistSlot:
    box: gr.Group
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
    base: dict  # parameter name -> component
    budget: gr.Number
    shortlist: gr.Number
    estimate: gr.Markdown
    start: gr.Button
    run: gr.Dropdown
    refresh: gr.Button
    delete: gr.Button
    progress: gr.HTML
    screened: gr.Dataframe
    force_id: gr.Number
    force: gr.Button
    ranking: gr.Dataframe
    chart: gr.BarPlot
    compare: gr.Button
    slots: tuple[ShortlistSlot, ...]
    timer: gr.Timer


def _slot(i18n, i: int) -> ShortlistSlot:
    with gr.Group(visible=False, elem_id=f"finder_slot_{i}") as box:
        info = gr.Markdown(elem_id=f"finder_slot_info_{i}")
        with gr.Row(equal_height=False):
            with gr.Column(scale=2, min_width=300):
                reference = gr.Audio(label=i18n("参考音频"), type="filepath", interactive=False,
                                     elem_id=f"finder_slot_reference_{i}")
                take = gr.Dropdown(label=i18n("试听结果"), choices=[], elem_id=f"finder_slot_take_{i}")
                audio = gr.Audio(label=i18n("合成结果"), type="filepath", interactive=False,
                                 elem_id=f"finder_slot_audio_{i}")
            with gr.Column(scale=3):
                spectrogram = gr.Image(label=i18n("频谱图"), type="filepath", format="png", interactive=False,
                                       buttons=[], height=190, elem_id=f"finder_slot_spectrogram_{i}")
                with gr.Row():
                    product = gr.Button(i18n("保存为成品…"), elem_id=f"finder_slot_product_{i}")
                    long_text = gr.Button(i18n("长文本测试…"), elem_id=f"finder_slot_long_text_{i}")
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
    base = _base_parameters(i18n)
    with gr.Row():
        budget = gr.Number(value=0, minimum=0, precision=0, label=i18n("作业预算（0 = 默认）"), elem_id="finder_budget")
        shortlist = gr.Number(value=5, minimum=1, maximum=MAX_SHORTLIST, precision=0, label=i18n("候选名单人数"),
                              elem_id="finder_shortlist")
        start = gr.Button(i18n("开始找参考"), variant="primary", elem_id="finder_start")
    estimate = gr.Markdown(elem_id="finder_estimate")
    gr.Markdown(i18n("### 2. 进度"))
    with gr.Row():
        run = gr.Dropdown(label=i18n("找参考记录"), choices=[], scale=3, elem_id="finder_run")
        refresh = gr.Button(i18n("刷新"), scale=0, min_width=100, elem_id="finder_refresh")
        delete = gr.Button(i18n("删除记录"), variant="stop", scale=0, min_width=120, elem_id="finder_delete")
    progress = gr.HTML(elem_id="finder_progress")
    gr.Markdown(i18n("### 3. 筛查"))
    screened = gr.Dataframe(headers=[i18n(h) for h in SCREEN_HEADERS], interactive=False, wrap=True,
                            max_height=320, column_widths=["7%", "33%", "8%", "7%", "45%"], elem_id="finder_screened")
    with gr.Row():
        force_id = gr.Number(label=i18n("音频编号"), precision=0, minimum=0, elem_id="finder_force_id")
        force = gr.Button(i18n("放回候选"), elem_id="finder_force")
    gr.Markdown(i18n("### 4. 排名"))
    gr.Markdown(i18n("按通过率的 90% 置信下限排名（语速不稳、音色偏移会降低下限）：一条碰巧好的结果排不过八条稳定的。"))
    # fixed widths: the reasons column wraps inside the page instead of running off its right edge
    ranking = gr.Dataframe(headers=[i18n(h) for h in RANK_HEADERS], interactive=False, wrap=True,
                           max_height=360, column_widths=["5%", "5%", "6%", "6%", "6%", "5%", "5%", "8%", "8%", "46%"],
                           elem_id="finder_ranking")
    chart = gr.BarPlot(x="clip", y="low", title=i18n("置信下限（越高越可靠）"), y_lim=[0, 100], sort="-y",
                       elem_id="finder_chart")
    gr.Markdown(i18n("### 5. 候选名单"))
    compare = gr.Button(i18n("盲听比较候选名单"), elem_id="finder_compare_blind")
    slots = tuple(_slot(i18n, i) for i in range(MAX_SHORTLIST))
    timer = poll_timer()
    return FinderTab(gpt, sovits, subset, group, clip_ids, texts, base, budget, shortlist, estimate, start, run,
                     refresh, delete, progress, screened, force_id, force, ranking, chart, compare, slots,
                     timer)


def wire(tab: FinderTab, ctx: UIContext, page: Page, *, product_result_id: gr.Number, product_name: gr.Textbox,
         product_note: gr.Textbox, long_text_results: gr.Dropdown, ab_task: gr.Dropdown,
         ab_session: gr.Dropdown) -> None:
    wire_events(tab, ctx, page, product_form=(product_result_id, product_name, product_note),
                long_text_results=long_text_results, ab_pickers=(ab_task, ab_session))
