"""The task form of the UI <-> a task spec (the same shape scripts send to create_task).

The form holds what a user typed: base parameter values, a text of values per varied parameter
("5,15,30", "0.5:1:0.1", aux reference groups "3,4;5") and the chosen weights. Loading a task back
into the form is the inverse, so a task can be cloned and changed.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ras.queue.task_spec import parse_values

INT_PARAMETERS = ("top_k", "seed", "batch_size", "sample_steps")
VERSION_EXTRAS = ("sample_steps", "super_sampling")  # only v3/v4 installs have these


@dataclass(frozen=True)
class TaskForm:
    name: str = ""
    clip_ids: list = field(default_factory=list)
    text_ids: list = field(default_factory=list)
    gpt: str | None = None
    sovits: str | None = None
    base: dict = field(default_factory=dict)  # parameter -> value
    variables: list = field(default_factory=list)  # the varied parameters
    value_texts: dict = field(default_factory=dict)  # parameter -> the values as typed
    vary_gpt: list = field(default_factory=list)
    vary_sovits: list = field(default_factory=list)
    combine: str = "each"


def aux_groups(text: str | None) -> list[list[int]]:
    """'3,4;5' -> [[3, 4], [5]]: each group is one alternative set of fusion reference clips."""
    groups = [g for g in (text or "").split(";") if g.strip()]
    return [[int(x) for x in g.replace("，", ",").split(",") if x.strip()] for g in groups]


def spec_from_form(form: TaskForm, supported_extras: set[str] = frozenset()) -> dict:
    """The form -> a task spec; v3/v4 parameters are left out when the install does not have them."""
    base = {k: v for k, v in form.base.items() if v not in (None, "")}
    for extra in set(VERSION_EXTRAS) - set(supported_extras):
        base.pop(extra, None)
    for key in INT_PARAMETERS:
        if key in base:
            base[key] = int(base[key])
    if form.gpt:
        base["gpt"] = form.gpt
    if form.sovits:
        base["sovits"] = form.sovits
    vary = {}
    for variable in form.variables or []:
        if variable == "gpt":
            vary["gpt"] = list(form.vary_gpt or [])
        elif variable == "sovits":
            vary["sovits"] = list(form.vary_sovits or [])
        elif variable == "aux_refs":
            vary["aux_refs"] = aux_groups(form.value_texts.get("aux_refs"))
        else:
            vary[variable] = parse_values(form.value_texts.get(variable) or "", variable)
    return {"name": (form.name or "").strip() or "task", "clip_ids": [int(c) for c in form.clip_ids or []],
            "text_ids": [int(t) for t in form.text_ids or []], "base": base, "vary": vary,
            "combine": form.combine}


def values_text(param: str, values: list) -> str:
    """Varied values as the form shows them: '5,15,30', or '3,4;5' for fusion reference groups."""
    if param == "aux_refs":
        return ";".join(",".join(map(str, group)) for group in values)
    return ",".join(map(str, values))


def form_from_spec(spec: dict, base_defaults: dict, value_params) -> TaskForm:
    """A stored task spec -> the form that makes it, named as its copy; unset base values take the defaults."""
    base, vary = spec.get("base") or {}, spec.get("vary") or {}
    return TaskForm(
        name=f"{spec.get('name', 'task')} (2)", clip_ids=spec.get("clip_ids", []), text_ids=spec.get("text_ids", []),
        gpt=base.get("gpt"), sovits=base.get("sovits"),
        base={k: base.get(k, default) for k, default in base_defaults.items()}, variables=list(vary),
        value_texts={p: values_text(p, vary.get(p, [])) for p in value_params},
        vary_gpt=vary.get("gpt", []), vary_sovits=vary.get("sovits", []), combine=spec.get("combine", "each"))
