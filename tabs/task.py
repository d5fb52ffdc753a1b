"""Task tab: build a comparison over one or many variables, see its size, create it."""
from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from gsv_integration.request import TEXT_SPLIT_METHODS
from ras.library import clips
from ras.queue import tasks
from ras.library import texts
from ras.queue.task_spec import parse_values
from tabs.common import UIContext, choices

# Variables a task can compare, in the UI's order: (label key, spec parameter).
VARIABLES = (("GPT 模型", "gpt"), ("SoVITS 模型", "sovits"), ("top_k", "top_k"), ("top_p", "top_p"),
             ("温度 temperature", "temperature"), ("重复惩罚 repetition_penalty", "repetition_penalty"),
             ("切分方式", "text_split_method"), ("语速", "speed"), ("随机种子 seed", "seed"),
             ("融合参考音频（辅助参考）", "aux_refs"))
TEXT_VARIABLES = ("top_k", "top_p", "temperature", "repetition_penalty", "text_split_method", "speed", "seed",
                  "aux_refs")
COMBINE = (("逐个变化（其余取基础值）", "each"), ("网格（所有组合）", "grid"))
PRESETS = (("无", ""), ("k/p/t 三参数网格", "kpt"), ("模型配对（GPT × SoVITS）", "models"))


@dataclass(frozen=True)
class TaskTab:
    clip_filter: gr.Textbox
    select_filtered: gr.Button
    use_group: gr.Button
    clips: gr.Dropdown
    texts: gr.CheckboxGroup
    gpt: gr.Dropdown
    sovits: gr.Dropdown
    refresh_models: gr.Button
    base: dict  # parameter -> component
    variables: gr.CheckboxGroup
    values: dict  # parameter -> values textbox
    vary_gpt: gr.Dropdown
    vary_sovits: gr.Dropdown
    combine: gr.Radio
    preset: gr.Dropdown
    name: gr.Textbox
    estimate: gr.Button
    create: gr.Button
    summary: gr.Markdown
    task_table: gr.Dataframe
    task_id: gr.Number
    load_spec: gr.Button
    requeue: gr.Button
    delete: gr.Button


def build(ctx: UIContext) -> TaskTab:
    i18n = ctx.i18n
    gr.Markdown(i18n("### 1. 选择参考音频（多选即为参考音频对比）"))
    with gr.Row():
        clip_filter = gr.Textbox(label=i18n("文本包含"), scale=3, elem_id="task_clip_filter")
        select_filtered = gr.Button(i18n("选中全部筛选结果"), scale=1, elem_id="task_select_filtered")
        use_group = gr.Button(i18n("使用分类页选中的分组"), scale=1, elem_id="task_use_group")
    clip_box = gr.Dropdown(label=i18n("参考音频（仅 3–10 秒的有效音频）"), multiselect=True, choices=[],
                           elem_id="task_clips")
    gr.Markdown(i18n("### 2. 选择测试文本"))
    text_box = gr.CheckboxGroup(label=i18n("测试文本"), choices=[], elem_id="task_texts")
    gr.Markdown(i18n("### 3. 模型与基础参数（未改动的参数取 GPT-SoVITS 默认值）"))
    with gr.Row():
        gpt = gr.Dropdown(label=i18n("GPT 模型"), choices=[], elem_id="task_gpt")
        sovits = gr.Dropdown(label=i18n("SoVITS 模型"), choices=[], elem_id="task_sovits")
        refresh_models = gr.Button(i18n("刷新模型列表"), scale=0, min_width=140, elem_id="task_refresh_models")
    with gr.Row():
        base = {
            "top_k": gr.Slider(1, 100, value=15, step=1, label="top_k", elem_id="task_top_k"),
            "top_p": gr.Slider(0, 1, value=1, step=0.05, label="top_p", elem_id="task_top_p"),
            "temperature": gr.Slider(0.05, 1, value=1, step=0.05, label="temperature", elem_id="task_temperature"),
            "repetition_penalty": gr.Slider(0, 2, value=1.35, step=0.05, label=i18n("重复惩罚 repetition_penalty"),
                                            elem_id="task_repetition_penalty"),
        }
    with gr.Row():
        base.update({
            "speed": gr.Slider(0.6, 1.65, value=1, step=0.05, label=i18n("语速"), elem_id="task_speed"),
            "text_split_method": gr.Dropdown(choices(i18n, [(f"{label} ({code})", code) for code, label in
                                                            TEXT_SPLIT_METHODS]), value="cut1",
                                             label=i18n("切分方式"), elem_id="task_text_split_method"),
            "seed": gr.Number(value=-1, precision=0, minimum=-1, label=i18n("随机种子（-1 为随机）"), elem_id="task_seed"),
            "batch_size": gr.Slider(1, 20, value=1, step=1, label="batch_size", elem_id="task_batch_size"),
        })
    with gr.Row():  # v3/v4 only: greyed out unless the installed GPT-SoVITS has them
        base.update({
            "sample_steps": gr.Dropdown([4, 8, 16, 32, 64, 128], value=32, interactive=False,
                                        label=i18n("采样步数（v3/v4）"), elem_id="task_sample_steps"),
            "super_sampling": gr.Checkbox(value=False, interactive=False, label=i18n("超采样（v3/v4）"),
                                          elem_id="task_super_sampling"),
        })
    gr.Markdown(i18n("### 4. 对比变量"))
    with gr.Row():
        preset = gr.Dropdown(choices(i18n, PRESETS), value="", label=i18n("预设"), elem_id="task_preset")
        combine = gr.Radio(choices(i18n, COMBINE), value="each", label=i18n("组合方式"), elem_id="task_combine")
    variables = gr.CheckboxGroup(choices(i18n, VARIABLES), label=i18n("要比较的变量（参考音频对比只需多选参考音频）"),
                                 elem_id="task_variables")
    gr.Markdown(i18n("取值写成列表 5,10,20 或范围 起:止:步长（含终点），例如 0.5:1:0.1；融合参考音频用分号隔开多组音频编号，例如 3,4;5"))
    with gr.Row():
        values = {name: gr.Textbox(label=i18n(label), visible=False, elem_id=f"task_values_{name}")
                  for label, name in VARIABLES if name in TEXT_VARIABLES}
    with gr.Row():
        vary_gpt = gr.Dropdown(label=i18n("比较的 GPT 模型"), multiselect=True, choices=[], visible=False,
                               elem_id="task_vary_gpt")
        vary_sovits = gr.Dropdown(label=i18n("比较的 SoVITS 模型"), multiselect=True, choices=[], visible=False,
                                  elem_id="task_vary_sovits")
    gr.Markdown(i18n("### 5. 创建任务"))
    with gr.Row():
        name = gr.Textbox(label=i18n("任务名"), value="", scale=2, elem_id="task_name")
        estimate = gr.Button(i18n("计算任务量"), elem_id="task_estimate")
        create = gr.Button(i18n("创建任务"), variant="primary", elem_id="task_create")
    summary = gr.Markdown(elem_id="task_summary")
    gr.Markdown(i18n("### 6. 任务列表"))
    task_table = gr.Dataframe(headers=[i18n(h) for h in ("编号", "任务名", "变量", "总数", "完成", "失败", "排队",
                                                         "状态", "创建时间")],
                              interactive=False, elem_id="task_table")
    with gr.Row():
        task_id = gr.Number(label=i18n("任务编号"), precision=0, elem_id="task_task_id")
        load_spec = gr.Button(i18n("载入设置（克隆后修改）"), elem_id="task_load_spec")
        requeue = gr.Button(i18n("重跑失败的作业"), elem_id="task_requeue")
        delete = gr.Button(i18n("删除任务及其结果"), variant="stop", elem_id="task_delete")
    return TaskTab(clip_filter, select_filtered, use_group, clip_box, text_box, gpt, sovits, refresh_models, base, variables,
                   values, vary_gpt, vary_sovits, combine, preset, name, estimate, create, summary, task_table,
                   task_id, load_spec, requeue, delete)


def clip_choices(ctx: UIContext, role: str | None, text_filter: str = "") -> list[tuple[str, int]]:
    if not role:
        return []
    _, found = clips.list_clips(ws=ctx.ws, role=role, flt=clips.ClipFilter(text=text_filter, valid=True),
                                sort="id")
    return [(f"#{c['id']} {c['text'][:30]} ({c['duration']:.1f}s)", c["id"]) for c in found]


def text_choices(ctx: UIContext) -> list[tuple[str, int]]:
    return [(f"[{t['lang']}/{t['category'] or '-'}] {t['content'][:40]}", t["id"]) for t in texts.list_texts(ws=ctx.ws)]


def default_texts(ctx: UIContext, role: str | None) -> list[int]:
    """One short and one long text in the role's main language."""
    langs = [c["lang"] for c in clips.list_clips(ws=ctx.ws, role=role)[1]] if role else []
    lang = max(set(langs), key=langs.count) if langs else "zh"
    lang = lang.replace("all_", "")
    picked = []
    for category in ("short", "long"):
        found = texts.list_texts(ws=ctx.ws, lang=lang, category=category) or texts.list_texts(ws=ctx.ws,
                                                                                                category=category)
        if found:
            picked.append(found[0]["id"])
    return picked


def build_spec(name, clip_ids, text_ids, gpt, sovits, base_values: dict, variables, value_texts: dict,
               vary_gpt, vary_sovits, combine) -> dict:
    """UI values -> the task spec of the API (the same shape scripts send)."""
    base = {k: v for k, v in base_values.items() if v not in (None, "")}
    for key in ("top_k", "seed", "batch_size", "sample_steps"):
        if key in base:
            base[key] = int(base[key])
    if gpt:
        base["gpt"] = gpt
    if sovits:
        base["sovits"] = sovits
    vary = {}
    for variable in variables or []:
        if variable == "gpt":
            vary["gpt"] = list(vary_gpt or [])
        elif variable == "sovits":
            vary["sovits"] = list(vary_sovits or [])
        elif variable == "aux_refs":
            groups = [g for g in (value_texts.get("aux_refs") or "").split(";") if g.strip()]
            vary["aux_refs"] = [[int(x) for x in g.replace("，", ",").split(",") if x.strip()] for g in groups]
        else:
            vary[variable] = parse_values(value_texts.get(variable) or "", variable)
    return {"name": (name or "").strip() or "task", "clip_ids": [int(c) for c in clip_ids or []],
            "text_ids": [int(t) for t in text_ids or []], "base": base, "vary": vary, "combine": combine}


def spec_from_form(values: tuple, base_keys: list, value_keys: list, supported_extras: set) -> dict:
    """The task form's values in TaskTab order (name, clips, texts, gpt, sovits, base..., variables,
    value texts..., vary_gpt, vary_sovits, combine) -> build_spec's spec."""
    name, clip_ids, text_ids, gpt, sovits = values[:5]
    rest = values[5:]
    base = dict(zip(base_keys, rest[:len(base_keys)]))
    variables = rest[len(base_keys)]
    texts_ = dict(zip(value_keys, rest[len(base_keys) + 1:len(base_keys) + 1 + len(value_keys)]))
    vary_gpt, vary_sovits, combine = rest[len(base_keys) + 1 + len(value_keys):]
    for extra in {"sample_steps", "super_sampling"} - supported_extras:  # v3/v4 only
        base.pop(extra, None)
    return build_spec(name, clip_ids, text_ids, gpt, sovits, base, variables, texts_, vary_gpt, vary_sovits,
                      combine)


def task_rows(ctx: UIContext, role: str | None) -> list[list]:
    if not role:
        return []
    return [[t["task_id"], t["name"], ", ".join(t["varied"]) or "-", t["total"], t["done"], t["failed"],
             t["queued"], t["state"], t["created_at"][:19].replace("T", " ")] for t in tasks.list_tasks(ws=ctx.ws,
                                                                                                  role=role)]


def wire(tab: TaskTab, ctx: UIContext, others) -> None:
    from tabs.task_events import wire_events

    wire_events(tab, ctx, others)
