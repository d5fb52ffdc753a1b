"""Task tab: build a comparison over one or many variables, see its size, create it."""
from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from gsv_integration.request import SAMPLE_STEPS_CHOICES
from ras.finder import probes
from ras.library import clips, texts
from ras.queue import jobs, tasks
from ras.queue.task_form import TaskForm, form_from_spec, spec_from_form
from tabs.common import (
    Page,
    UIContext,
    choices,
    connect,
    connect_each,
    handles,
    parse_ids,
    picker_update,
    require_role,
)
from tabs.widgets import (
    PARAMETER_DEFAULTS,
    parameter_slider,
    split_method_dropdown,
    task_state_label,
    warn_version_change,
)

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


def slider(param: str, label: str) -> gr.Slider:
    return parameter_slider(param, label, f"task_{param}")


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
            "top_k": slider("top_k", "top_k"),
            "top_p": slider("top_p", "top_p"),
            "temperature": slider("temperature", "temperature"),
            "repetition_penalty": slider("repetition_penalty", i18n("重复惩罚 repetition_penalty")),
        }
    with gr.Row():
        base.update({
            "speed": slider("speed", i18n("语速")),
            "text_split_method": split_method_dropdown(i18n, "task_text_split_method"),
            "seed": gr.Number(value=PARAMETER_DEFAULTS["seed"], precision=0, minimum=-1,
                              label=i18n("随机种子（-1 为随机）"), elem_id="task_seed"),
            "batch_size": slider("batch_size", "batch_size"),
        })
    with gr.Row():  # v3/v4 only: greyed out unless the installed GPT-SoVITS has them
        base.update({
            "sample_steps": gr.Dropdown(list(SAMPLE_STEPS_CHOICES), value=PARAMETER_DEFAULTS["sample_steps"],
                                        interactive=False, label=i18n("采样步数（v3/v4）"),
                                        elem_id="task_sample_steps"),
            "super_sampling": gr.Checkbox(value=PARAMETER_DEFAULTS["super_sampling"], interactive=False,
                                          label=i18n("超采样（v3/v4）"), elem_id="task_super_sampling"),
        })
    gr.Markdown(i18n("### 4. 对比变量"))
    with gr.Row():
        preset = gr.Dropdown(choices(i18n, PRESETS), value="", label=i18n("预设"), elem_id="task_preset")
        combine = gr.Radio(choices(i18n, COMBINE), value="each", label=i18n("组合方式"), elem_id="task_combine")
    variables = gr.CheckboxGroup(choices(i18n, VARIABLES), label=i18n("要比较的变量（参考音频对比只需多选参考音频）"),
                                 elem_id="task_variables")
    gr.Markdown(i18n("取值写成列表 5,10,20 或范围 起:止:步长（含终点），例如 0.5:1:0.1；"
                     "融合参考音频用分号隔开多组音频编号，例如 3,4;5"))
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
    return TaskTab(clip_filter, select_filtered, use_group, clip_box, text_box, gpt, sovits, refresh_models, base,
                   variables, values, vary_gpt, vary_sovits, combine, preset, name, estimate, create, summary,
                   task_table, task_id, load_spec, requeue, delete)


def clip_choices(ctx: UIContext, role: str | None, text_filter: str = "") -> list[tuple[str, int]]:
    if not role:
        return []
    found = clips.clip_labels(ws=ctx.ws, role=role, flt=clips.ClipFilter(text=text_filter, valid=True))
    return [(f"#{c.id} {c.text[:30]} ({c.duration:.1f}s)", c.id) for c in found]


def text_choices(ctx: UIContext) -> list[tuple[str, int]]:
    return [(f"[{t.lang}/{t.category or '-'}] {t.content[:40]}", t.id) for t in texts.list_texts(ws=ctx.ws)]


def default_texts(ctx: UIContext, role: str | None) -> list[int]:
    """One short and one long text in the role's main language."""
    lang = (probes.role_language(ws=ctx.ws, role=role) if role else None) or "zh"
    picked = []
    for category in ("short", "long"):
        found = texts.list_texts(ws=ctx.ws, lang=lang, category=category) or texts.list_texts(ws=ctx.ws,
                                                                                                category=category)
        if found:
            picked.append(found[0].id)
    return picked


def task_rows(ctx: UIContext, role: str | None) -> list[list]:
    if not role:
        return []
    return [[t.task_id, t.name, ", ".join(t.varied) or "-", t.counts.total, t.counts.done, t.counts.failed,
             t.counts.queued, task_state_label(ctx.i18n, t.state), t.created_at.isoformat()[:19].replace("T", " ")]
            for t in tasks.list_tasks(ws=ctx.ws, role=role)]


PRESET_VALUES = {
    "kpt": ({"top_k", "top_p", "temperature"}, {"top_k": "5,15,30", "top_p": "0.6,0.8,1", "temperature": "0.6,0.8,1"},
            "grid"),
    "models": ({"gpt", "sovits"}, {}, "grid"),
}


def format_estimate(i18n, jobs: int, seconds_per_job: float | None, workers: int) -> str:
    text = f"{i18n('作业数')}: **{jobs}**"
    if seconds_per_job:
        minutes = jobs * seconds_per_job / max(workers, 1) / 60
        text += f" · {i18n('预计用时')}: ~{minutes:.1f} {i18n('分钟')} ({seconds_per_job:.1f} s/{i18n('作业')})"
    else:
        text += f" · {i18n('预计用时在第一个作业完成后可知')}"
    return text


def form_inputs(tab: TaskTab) -> dict:
    """Every input of the task form by the name a handler receives it under (never by position)."""
    return {"name": tab.name, "clip_ids": tab.clips, "text_ids": tab.texts, "gpt": tab.gpt, "sovits": tab.sovits,
            **{f"base_{key}": component for key, component in tab.base.items()}, "variables": tab.variables,
            **{f"values_{key}": component for key, component in tab.values.items()},
            "vary_gpt": tab.vary_gpt, "vary_sovits": tab.vary_sovits, "combine": tab.combine}


def read_form(tab: TaskTab, form: dict) -> TaskForm:
    """The form's values, named as form_inputs names them."""
    return TaskForm(name=form["name"], clip_ids=form["clip_ids"] or [], text_ids=form["text_ids"] or [],
                    gpt=form["gpt"], sovits=form["sovits"],
                    base={key: form[f"base_{key}"] for key in tab.base}, variables=form["variables"] or [],
                    value_texts={key: form[f"values_{key}"] for key in tab.values},
                    vary_gpt=form["vary_gpt"] or [], vary_sovits=form["vary_sovits"] or [], combine=form["combine"])


def fill_form(tab: TaskTab, form: TaskForm) -> dict:
    """The form's components set to a TaskForm's values."""
    return {tab.name: form.name, tab.clips: form.clip_ids, tab.texts: form.text_ids, tab.gpt: form.gpt,
            tab.sovits: form.sovits, **{tab.base[key]: value for key, value in form.base.items()},
            tab.variables: form.variables,
            **{tab.values[key]: text for key, text in form.value_texts.items()},
            tab.vary_gpt: form.vary_gpt, tab.vary_sovits: form.vary_sovits, tab.combine: form.combine}


def supported_extras(ctx: UIContext) -> set[str]:
    """v3/v4 parameters the installed GPT-SoVITS has (read from its code, not assumed)."""
    backend = ctx.backend
    parameters = backend.capabilities().get("parameters") or {} if backend.configured else {}
    return {name for name in ("sample_steps", "super_sampling") if parameters.get(name)}


def seconds_per_job(ctx: UIContext, role: str) -> float | None:
    """This run's measured median, else what the role's last finished jobs took."""
    return ctx.runner.median_job_seconds() or jobs.typical_job_seconds(ctx.ws, role)


def _estimate_line(ctx: UIContext, role: str, job_count: int) -> str:
    return format_estimate(ctx.i18n, job_count, seconds_per_job(ctx, role), len(ctx.backend.engine_names()) or 1)


def _task_id(value) -> int:
    return int(value or 0)


@handles("读取角色失败")
def on_role(ctx: UIContext, tab: TaskTab, *, role: str | None, picked_clips=None, picked_texts=None) -> dict:
    return {tab.clips: picker_update(clip_choices(ctx, role), [], picked_clips),
            tab.texts: picker_update(text_choices(ctx), default_texts(ctx, role), picked_texts),
            tab.task_table: task_rows(ctx, role)}


def _model_updates(ctx: UIContext, tab: TaskTab) -> dict:
    models = ctx.backend.list_models()
    gpts, sovits = models.names("gpt"), models.names("sovits")
    supported = supported_extras(ctx)
    return {tab.gpt: gr.update(choices=gpts, value=gpts[0] if gpts else None),
            tab.sovits: gr.update(choices=sovits, value=sovits[0] if sovits else None),
            tab.vary_gpt: gr.update(choices=gpts), tab.vary_sovits: gr.update(choices=sovits),
            tab.base["sample_steps"]: gr.update(interactive="sample_steps" in supported),
            tab.base["super_sampling"]: gr.update(interactive="super_sampling" in supported)}


@handles("读取模型失败")
def refresh_models(ctx: UIContext, tab: TaskTab) -> dict:
    if not ctx.backend.configured:
        gr.Warning(ctx.i18n("未配置 GPT-SoVITS：请用 --gsv-root 或 --engine-url 启动"))
        return {tab.gpt: gr.update()}
    return _model_updates(ctx, tab)


@handles("读取模型失败")
def refresh_models_quietly(ctx: UIContext, tab: TaskTab) -> dict:
    """On page load: no warning when no GPT-SoVITS is configured (the page works without one)."""
    return _model_updates(ctx, tab) if ctx.backend.configured else {tab.gpt: gr.update()}


@handles("载入设置失败")
def on_variables(ctx: UIContext, tab: TaskTab, *, variables) -> dict:
    chosen = set(variables or [])
    return {**{box: gr.update(visible=name in chosen) for name, box in tab.values.items()},
            tab.vary_gpt: gr.update(visible="gpt" in chosen), tab.vary_sovits: gr.update(visible="sovits" in chosen)}


@handles("载入设置失败")
def on_preset(ctx: UIContext, tab: TaskTab, *, preset) -> dict:
    if preset not in PRESET_VALUES:
        return {tab.variables: gr.update()}
    variables, values, combine = PRESET_VALUES[preset]
    return {tab.variables: sorted(variables), tab.combine: combine,
            **{box: values.get(name, "") for name, box in tab.values.items()}}


@handles("查询音频失败")
def select_filtered(ctx: UIContext, tab: TaskTab, *, role: str | None, text: str | None) -> dict:
    role = require_role(ctx.i18n, role)
    found = clip_choices(ctx, role, text or "")
    return {tab.clips: gr.update(choices=clip_choices(ctx, role), value=[v for _, v in found])}


@handles("查询音频失败")
def use_group(ctx: UIContext, tab: TaskTab, *, role: str | None, group_ids: str | None) -> dict:
    role = require_role(ctx.i18n, role)
    usable = clip_choices(ctx, role)
    valid = {v for _, v in usable}
    wanted = parse_ids(group_ids)  # the ids the classify tab shows for its selected group
    if not wanted:
        raise gr.Error(ctx.i18n("请先在分类页选择一个分组"))
    skipped = len([i for i in wanted if i not in valid])
    if skipped:
        gr.Warning(f"{skipped} {ctx.i18n('个音频不在 3–10 秒内，已跳过')}")
    return {tab.clips: gr.update(choices=usable, value=[i for i in wanted if i in valid])}


@handles("计算任务量失败")
def estimate(ctx: UIContext, tab: TaskTab, *, role: str | None, **form) -> dict:
    role = require_role(ctx.i18n, role)
    planned = tasks.plan_task(ws=ctx.ws, role=role, spec=spec_from_form(read_form(tab, form), supported_extras(ctx)),
                              max_jobs=ctx.settings.max_jobs_per_task, **ctx.backend.weight_choosers())
    return {tab.summary: _estimate_line(ctx, role, planned.job_count)}


@handles("创建任务失败")
def create(ctx: UIContext, tab: TaskTab, *, role: str | None, **form) -> dict:
    role = require_role(ctx.i18n, role)
    backend = ctx.backend
    created = tasks.create_task(ws=ctx.ws, role=role, spec=spec_from_form(read_form(tab, form), supported_extras(ctx)),
                                max_jobs=ctx.settings.max_jobs_per_task, code_version=backend.code_version(),
                                **backend.weight_choosers())
    note = f"✔ {ctx.i18n('已创建任务')} #{created.task_id} · " + _estimate_line(ctx, role, created.jobs)
    return {tab.summary: note, tab.task_table: task_rows(ctx, role), tab.task_id: created.task_id}


@handles("载入设置失败")
def load_spec(ctx: UIContext, tab: TaskTab, *, role: str | None, task_id) -> dict:
    role = require_role(ctx.i18n, role)
    spec = tasks.task_spec(ws=ctx.ws, role=role, task_id=_task_id(task_id))
    defaults = {key: component.value for key, component in tab.base.items()}
    return fill_form(tab, form_from_spec(spec, defaults, list(tab.values)))


@handles("重跑失败")
def requeue(ctx: UIContext, tab: TaskTab, *, role: str | None, task_id) -> dict:
    role = require_role(ctx.i18n, role)
    count = tasks.requeue_failed(ws=ctx.ws, role=role, task_id=_task_id(task_id))
    warn_version_change(ctx.i18n, ctx.runner.run_task(role, _task_id(task_id)))
    return {tab.summary: f"✔ {count} {ctx.i18n('个作业已重新排队')}", tab.task_table: task_rows(ctx, role)}


@handles("删除失败")
def delete(ctx: UIContext, tab: TaskTab, *, role: str | None, task_id) -> dict:
    role = require_role(ctx.i18n, role)
    tasks.delete_task(ws=ctx.ws, role=role, task_id=_task_id(task_id))
    return {tab.summary: f"✔ {ctx.i18n('已删除任务')} #{_task_id(task_id)}", tab.task_table: task_rows(ctx, role)}


def wire(tab: TaskTab, ctx: UIContext, page: Page, *, group_clip_ids: gr.Textbox) -> None:
    """group_clip_ids: the classify tab's ids of its selected group."""
    role, picked_task = {"role": page.role}, {"role": page.role, "task_id": tab.task_id}
    form = {**role, **form_inputs(tab)}
    models = [tab.gpt, tab.sovits, tab.vary_gpt, tab.vary_sovits, tab.base["sample_steps"],
              tab.base["super_sampling"]]
    listed = [tab.summary, tab.task_table]
    connect_each(ctx, (page.role.change, page.app.load), on_role, tab,
                 {**role, "picked_clips": tab.clips, "picked_texts": tab.texts}, [tab.clips, tab.texts, tab.task_table])
    connect(ctx, tab.refresh_models.click, refresh_models, tab, None, models)
    connect(ctx, page.app.load, refresh_models_quietly, tab, None, models)
    connect(ctx, tab.variables.change, on_variables, tab, {"variables": tab.variables},
            [*tab.values.values(), tab.vary_gpt, tab.vary_sovits])
    connect(ctx, tab.preset.change, on_preset, tab, {"preset": tab.preset},
            [tab.variables, tab.combine, *tab.values.values()])
    connect(ctx, tab.select_filtered.click, select_filtered, tab, {**role, "text": tab.clip_filter}, tab.clips)
    connect(ctx, tab.use_group.click, use_group, tab, {**role, "group_ids": group_clip_ids}, tab.clips)
    connect(ctx, tab.estimate.click, estimate, tab, form, tab.summary)
    connect(ctx, tab.create.click, create, tab, form, [*listed, tab.task_id])
    connect(ctx, tab.load_spec.click, load_spec, tab, picked_task, list(form_inputs(tab).values()))
    connect(ctx, tab.requeue.click, requeue, tab, picked_task, listed)
    connect(ctx, tab.delete.click, delete, tab, picked_task, listed)
