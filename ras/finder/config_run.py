"""Configuration finder runs: which GPT x SoVITS pair (or sampling settings) to ship, in the role DB.

A configuration run is a finder run (ras.finder.run) whose spec names a mode:
  {"mode": "checkpoints", "gpt": [files or names] (all listed when empty), "sovits": [...],
   "shape": "grid" | "axes" (chosen from the budget when unset)}
  {"mode": "settings", "vary": {"top_k": [...], "temperature": [...], "top_p": [...], "speed": [...]},
   "gpt": file, "sovits": file (the weights held fixed; GPT-SoVITS's defaults when unset)}
and for both: "clip_ids" (the reference, up to 3 clips) or "reference_run" (a reference finder
run whose shortlist's top 3 are used; by default the role's latest finished one), "text_ids"
(default: the probe set of the references' language with repeated words), "base", "budget_jobs"
(default 35 % of the grid), "finalists", "name". It skips screening: its references were chosen.
"""
from __future__ import annotations

import json

from sqlmodel import col, select

from ras.emotions import DEFAULT_EMOTION
from ras.errors import InputError
from ras.finder import configs
from ras.finder import run as runs
from ras.library.clips import get_clips
from ras.queue.task_spec import SpecError, check_parameters, coerce
from ras.store.role_tables import FinderRun
from ras.store.workspace import Workspace

CONFIG_SPEC_KEYS = {"mode", "gpt", "sovits", "shape", "vary", "clip_ids", "reference_run", "text_ids", "base",
                    "budget_jobs", "finalists", "name"}


def is_config_run(spec: dict) -> bool:
    return spec.get("mode") in configs.MODES


def _weight_list(spec: dict, kind: str, resolve_weight, available) -> list[str]:
    given = spec.get(kind)
    if given in (None, "", []):
        given = available(kind) if available else []
    if isinstance(given, str):
        given = [given]
    if not given:
        raise SpecError(f"{kind}: no {kind.upper()} weights found; list the checkpoints to compare")
    if resolve_weight is None:
        raise SpecError(f"{kind} weights were given but no GPT-SoVITS is configured")
    return list(dict.fromkeys(resolve_weight(kind, str(w)) for w in given))


def _settings_vary(spec: dict) -> dict[str, list]:
    vary = spec.get("vary")
    if not isinstance(vary, dict) or not any(vary.values()):
        raise SpecError('settings mode needs "vary", e.g. {"top_k": [5, 15, 30], "temperature": [0.8, 1.0]}')
    unknown = set(vary) - set(configs.SETTINGS)
    if unknown:
        raise SpecError(f"vary has {sorted(unknown)}; a settings search varies {', '.join(configs.SETTINGS)}")
    checked = {}
    for name, values in vary.items():
        values = values if isinstance(values, list) else [values]
        checked[name] = list(dict.fromkeys(coerce(name, v) for v in values))
        for value in checked[name]:
            check_parameters({name: value})
    return checked


def _references(ws: Workspace, role: str, spec: dict) -> list[int]:
    clip_ids = runs.id_list(spec, "clip_ids")
    if clip_ids:
        if len(clip_ids) > configs.MAX_REFERENCES:
            raise SpecError(f"clip_ids: at most {configs.MAX_REFERENCES} references, got {len(clip_ids)}")
        get_clips(ws=ws, role=role, clip_ids=clip_ids)  # NotFound names missing ids
        return clip_ids
    with ws.role_session(role) as session:
        query = select(FinderRun).where(FinderRun.stage == "done").order_by(col(FinderRun.id).desc())
        if spec.get("reference_run") not in (None, ""):
            query = query.where(FinderRun.id == int(spec["reference_run"]))
        for run in session.exec(query).all():
            if not is_config_run(run.spec) and run.shortlist and _one_voice(run.spec):
                return run.shortlist[:configs.MAX_REFERENCES]
    raise SpecError("choose the reference: clip_ids (up to 3 clips), or finish a reference finder run first "
                    "(its shortlist's top 3 are used)")


def _one_voice(spec: dict) -> bool:
    """A reference run whose shortlist speaks one way: not a per-emotion run (its shortlist mixes every
    emotion's), nor one of its emotions' runs other than the calm one (a checkpoint is judged on the calm voice)."""
    return not spec.get("children") and spec.get("emotion", DEFAULT_EMOTION) == DEFAULT_EMOTION


def checked_config_spec(*, ws: Workspace, role: str, spec: dict, resolve_weight=None, default_weight=None,
                        available_weights=None) -> dict:
    unknown = set(spec) - CONFIG_SPEC_KEYS
    if unknown:
        raise SpecError(f"unknown spec key(s) {sorted(unknown)}; known: {sorted(CONFIG_SPEC_KEYS)}")
    references = _references(ws, role, spec)
    chosen = runs.probe_texts(ws=ws, spec=spec, repeats=True, clip_langs=lambda: [
        c.lang for c in get_clips(ws=ws, role=role, clip_ids=references).values()])
    text_count = chosen.count
    base = runs.base_params(spec)
    finalists = runs.positive(spec, "finalists", configs.DEFAULT_FINALISTS)
    fixed, anchors, shape = {}, None, ""
    if spec["mode"] == "checkpoints":
        gpt = _weight_list(spec, "gpt", resolve_weight, available_weights)
        sovits = _weight_list(spec, "sovits", resolve_weight, available_weights)
        count = len(gpt) * len(sovits)
        budget = runs.positive(spec, "budget_jobs", None) or configs.default_budget(count, text_count, finalists)
        shape = spec.get("shape") or configs.pair_shape(len(gpt), len(sovits), budget)
        if shape not in ("grid", "axes"):
            raise SpecError(f"shape {shape!r}: use 'grid' or 'axes'")
        anchors = [configs.anchor(gpt), configs.anchor(sovits)]
        candidates = configs.pair_candidates(gpt, sovits, shape, tuple(anchors))
    else:
        candidates = configs.settings_candidates(_settings_vary(spec))
        for kind in ("gpt", "sovits"):
            value = spec.get(kind) or (default_weight(kind) if default_weight else None)
            if value:
                fixed[kind] = resolve_weight(kind, str(value)) if resolve_weight else str(value)
        budget = runs.positive(spec, "budget_jobs", None) or configs.default_budget(len(candidates), text_count,
                                                                                     finalists)
    if not 2 <= len(candidates) <= configs.MAX_CANDIDATES:
        raise SpecError(f"{len(candidates)} candidate(s): compare 2 to {configs.MAX_CANDIDATES}")
    # every field is checked: only now may the probe set be stored
    return {"mode": spec["mode"], "name": str(spec.get("name") or "").strip(), "shape": shape, "anchors": anchors,
            "candidates": [c.as_json() for c in candidates], "weights": fixed, "reference_ids": references,
            "text_ids": chosen.ids(ws), "base": base, "budget_jobs": budget, "finalists": finalists,
            "final_takes": configs.final_takes(text_count), "shortlist": finalists}


def create_config_run(*, ws: Workspace, role: str, spec: dict, resolve_weight=None, default_weight=None,
                      available_weights=None) -> int:
    """Store a configuration run in stage "probe" (no screening); the driver takes it from there."""
    if not isinstance(spec, dict) or not is_config_run(spec):
        raise InputError(f'the spec needs "mode": one of {", ".join(configs.MODES)}')
    checked = checked_config_spec(ws=ws, role=role, spec=spec, resolve_weight=resolve_weight,
                                  default_weight=default_weight, available_weights=available_weights)
    with ws.role_session(role) as session:
        run = FinderRun(name=checked["name"] or f"{checked['mode']}: {len(checked['candidates'])} candidates",
                        spec_json=json.dumps(checked, ensure_ascii=False), stage="probe")
        session.add(run)
        session.commit()
        return run.id


def candidates_of(spec: dict) -> list[configs.Candidate]:
    return [configs.Candidate(c["label"], c["params"]) for c in spec["candidates"]]
