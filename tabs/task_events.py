"""Events of the task tab (kept apart so each module stays small)."""
from __future__ import annotations

import gradio as gr

from ras.queue import jobs
from ras.queue import tasks
from tabs.common import UIContext, parse_ids, require_role, ui_action
from tabs.task import (TaskTab, clip_choices, default_texts, spec_from_form, task_rows,
                       text_choices)

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


def wire_events(tab: TaskTab, ctx: UIContext, others) -> None:
    i18n, role_picker = ctx.i18n, others.header.role
    backend, runner = ctx.backend, ctx.runner
    base_keys = list(tab.base)
    value_keys = list(tab.values)
    form = [tab.name, tab.clips, tab.texts, tab.gpt, tab.sovits, *tab.base.values(), tab.variables,
            *tab.values.values(), tab.vary_gpt, tab.vary_sovits, tab.combine]

    def spec_from(values: tuple) -> dict:
        return spec_from_form(values, base_keys, value_keys, supported_extras())

    def seconds_per_job(role: str) -> float | None:
        """This run's measured median, else what the role's last finished jobs took."""
        return runner.median_job_seconds() or jobs.typical_job_seconds(ctx.ws, role)

    @ui_action(i18n, "读取角色失败")
    def on_role(role):
        return (gr.update(choices=clip_choices(ctx, role), value=[]),
                gr.update(choices=text_choices(ctx), value=default_texts(ctx, role)), task_rows(ctx, role))

    @ui_action(i18n, "读取模型失败")
    def refresh_models(warn: bool = True):
        if not backend.configured:
            if warn:
                gr.Warning(i18n("未配置 GPT-SoVITS：请用 --gsv-root 或 --engine-url 启动"))
            return (gr.update(),) * 6
        models = backend.list_models()
        gpts = [m["name"] for m in models["gpt"]]
        sovits = [f"{m['name']}" for m in models["sovits"]]
        supported = supported_extras()
        return (gr.update(choices=gpts, value=gpts[0] if gpts else None),
                gr.update(choices=sovits, value=sovits[0] if sovits else None),
                gr.update(choices=gpts), gr.update(choices=sovits),
                gr.update(interactive="sample_steps" in supported),
                gr.update(interactive="super_sampling" in supported))

    def supported_extras() -> set[str]:
        """v3/v4 parameters the installed GPT-SoVITS has (read from its code, not assumed)."""
        parameters = backend.capabilities().get("parameters") or {} if backend.configured else {}
        return {name for name in ("sample_steps", "super_sampling") if parameters.get(name)}

    def on_variables(variables):
        chosen = set(variables or [])
        return ([gr.update(visible=name in chosen) for name in value_keys]
                + [gr.update(visible="gpt" in chosen), gr.update(visible="sovits" in chosen)])

    def on_preset(preset):
        if preset not in PRESET_VALUES:
            return (gr.update(),) * (len(value_keys) + 2)
        variables, values, combine = PRESET_VALUES[preset]
        return ([gr.update(value=sorted(variables)), gr.update(value=combine)]
                + [gr.update(value=values.get(name, "")) for name in value_keys])

    @ui_action(i18n, "查询音频失败")
    def select_filtered(role, text):
        role = require_role(i18n, role)
        found = clip_choices(ctx, role, text or "")
        return gr.update(choices=clip_choices(ctx, role), value=[v for _, v in found])

    @ui_action(i18n, "查询音频失败")
    def use_group(role, group_ids):
        role = require_role(i18n, role)
        usable = clip_choices(ctx, role)
        valid = {v for _, v in usable}
        wanted = parse_ids(group_ids)  # the ids the classify tab shows for its selected group
        if not wanted:
            raise gr.Error(i18n("请先在分类页选择一个分组"))
        skipped = len([i for i in wanted if i not in valid])
        if skipped:
            gr.Warning(f"{skipped} {i18n('个音频不在 3–10 秒内，已跳过')}")
        return gr.update(choices=usable, value=[i for i in wanted if i in valid])

    @ui_action(i18n, "计算任务量失败")
    def estimate(role, *values):
        role = require_role(i18n, role)
        planned = tasks.plan_task(ws=ctx.ws, role=role, spec=spec_from(values),
                                  max_jobs=ctx.settings.max_jobs_per_task, **backend.weight_choosers())
        return format_estimate(i18n, planned.job_count, seconds_per_job(role), ctx.settings.workers)

    @ui_action(i18n, "创建任务失败")
    def create(role, *values):
        role = require_role(i18n, role)
        created = tasks.create_task(ws=ctx.ws, role=role, spec=spec_from(values),
                                    max_jobs=ctx.settings.max_jobs_per_task, **backend.weight_choosers())
        note = f"✔ {i18n('已创建任务')} #{created['task_id']} · " + format_estimate(
            i18n, created["jobs"], seconds_per_job(role), ctx.settings.workers)
        return note, task_rows(ctx, role), created["task_id"]

    @ui_action(i18n, "载入设置失败")
    def load_spec(role, task_id):
        role = require_role(i18n, role)
        spec = tasks.task_spec(ws=ctx.ws, role=role, task_id=int(task_id or 0))
        base, vary = spec.get("base") or {}, spec.get("vary") or {}
        text_of = lambda name: ",".join(map(str, vary.get(name, []))) if name != "aux_refs" else \
            ";".join(",".join(map(str, g)) for g in vary.get("aux_refs", []))
        return ([f"{spec.get('name', 'task')} (2)", spec.get("clip_ids", []), spec.get("text_ids", []),
                 base.get("gpt"), base.get("sovits")]
                + [base.get(k, component.value) for k, component in tab.base.items()]
                + [list(vary)] + [text_of(name) for name in value_keys]
                + [vary.get("gpt", []), vary.get("sovits", []), spec.get("combine", "each")])

    @ui_action(i18n, "重跑失败")
    def requeue(role, task_id):
        role = require_role(i18n, role)
        count = tasks.requeue_failed(ws=ctx.ws, role=role, task_id=int(task_id or 0))
        runner.run_task(role, int(task_id))
        return f"✔ {count} {i18n('个作业已重新排队')}", task_rows(ctx, role)

    @ui_action(i18n, "删除失败")
    def delete(role, task_id):
        role = require_role(i18n, role)
        tasks.delete_task(ws=ctx.ws, role=role, task_id=int(task_id or 0))
        return f"✔ {i18n('已删除任务')} #{int(task_id)}", task_rows(ctx, role)

    private = {"api_visibility": "private"}
    for trigger in (role_picker.change, others.app.load):
        trigger(on_role, role_picker, [tab.clips, tab.texts, tab.task_table], **private)
    model_outputs = [tab.gpt, tab.sovits, tab.vary_gpt, tab.vary_sovits, tab.base["sample_steps"],
                     tab.base["super_sampling"]]
    tab.refresh_models.click(refresh_models, None, model_outputs, **private)
    others.app.load(lambda: refresh_models(warn=False), None, model_outputs, **private)
    tab.variables.change(on_variables, tab.variables, [*tab.values.values(), tab.vary_gpt, tab.vary_sovits],
                         **private)
    tab.preset.change(on_preset, tab.preset, [tab.variables, tab.combine, *tab.values.values()], **private)
    tab.select_filtered.click(select_filtered, [role_picker, tab.clip_filter], tab.clips, **private)
    tab.use_group.click(use_group, [role_picker, others.classify.group_clip_ids], tab.clips, **private)
    tab.estimate.click(estimate, [role_picker, *form], tab.summary, **private)
    tab.create.click(create, [role_picker, *form], [tab.summary, tab.task_table, tab.task_id], **private)
    tab.load_spec.click(load_spec, [role_picker, tab.task_id], form, **private)
    tab.requeue.click(requeue, [role_picker, tab.task_id], [tab.summary, tab.task_table], **private)
    tab.delete.click(delete, [role_picker, tab.task_id], [tab.summary, tab.task_table], **private)
