"""Finder runs in the role DB: the spec, the stage, what screening and ranking found.

A run moves screen -> probe -> rank -> done (or failed with the reason). Each probe round is
a hidden task (Task.kind "finder") on the normal queue, so engines, resume and analysis are
the queue's; the background driver (ras.finder.driver) advances a run when its round is
finished and analysed. Everything a run needs to continue is in its row and its tasks' job
rows, so a restarted RAS picks it up where it stopped.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlmodel import col, select

from ras.errors import NotFound
from ras.finder import allocate, probes
from ras.finder.facts import candidate_clips
from ras.finder.screen import ScreenRow
from ras.library import texts
from ras.queue import tasks
from ras.queue.task_spec import PARAMETERS, SpecError, check_parameters, coerce
from ras.store.main_tables import utcnow
from ras.store.role_tables import FinderRun
from ras.store.workspace import Workspace

STAGES = ("screen", "probe", "rank", "done", "failed")
ACTIVE_STAGES = ("screen", "probe", "rank")
DEFAULT_SHORTLIST = 5
SPEC_KEYS = {"gpt", "sovits", "clip_ids", "group_id", "text_ids", "base", "shortlist", "budget_jobs", "name"}


class RunNotFound(NotFound):
    """The finder run is not in this role: deleted (e.g. from another page), or the role was switched."""


@dataclass(frozen=True)
class FinderRunRow:
    run_id: int
    name: str
    stage: str
    created_at: datetime
    shortlist: list[int]
    rounds: int
    mode: str = "references"  # references, checkpoints or settings
    clips: int = field(default=0, metadata={"json": None})  # clips the run considered
    named: bool = field(default=False, metadata={"json": None})  # the person named it (else a count of clips)
    emotions: int = field(default=0, metadata={"json": None})  # a run per emotion: how many emotions it searches
    emotion: str = ""  # one emotion's run inside a per-emotion run: that emotion
    parent: int | None = None  # ... and the per-emotion run it belongs to


@dataclass(frozen=True)
class DeletedRun:
    deleted: int
    tasks: list[int]  # its probe tasks, deleted with their takes


@dataclass(frozen=True)
class ForcedClip:
    clip_id: int
    forced: bool
    excluded: bool


@dataclass(frozen=True)
class FinderEstimate:
    """Before a run: how many clips GPT-SoVITS accepts as references, and the jobs the default budget allows."""

    clips: int
    usable: int
    budget_jobs: int
    full_grid_jobs: int
    minutes: float | None


def id_list(spec: dict, key: str) -> list[int] | None:
    values = spec.get(key)
    if values in (None, "", []):
        return None
    if not isinstance(values, (list, tuple)):
        raise SpecError(f"{key} must be a list of ids")
    try:
        return list(dict.fromkeys(int(v) for v in values))
    except (TypeError, ValueError):
        raise SpecError(f"{key} must be a list of whole-number ids, got {values!r}") from None


def positive(spec: dict, key: str, default: int | None) -> int | None:
    value = spec.get(key)
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise SpecError(f"{key} must be a whole number, got {value!r}") from None
    if number < 1:
        raise SpecError(f"{key} must be at least 1, got {number}")
    return number


def base_params(spec: dict) -> dict:
    base = spec.get("base") or {}
    if not isinstance(base, dict):
        raise SpecError("base must be an object of parameters, e.g. {\"top_k\": 15}")
    if "seed" in base:
        raise SpecError("base.seed: the finder chooses the seeds itself (fixed seeds 1-4); remove it")
    unknown = set(base) - set(PARAMETERS)
    if unknown:
        raise SpecError(f"base has unknown parameter(s) {sorted(unknown)}; use {', '.join(PARAMETERS)}")
    params = {k: coerce(k, v) for k, v in base.items() if v is not None and k not in ("gpt", "sovits")}
    check_parameters(params)
    return params


@dataclass(frozen=True)
class ProbeTexts:
    """The texts a run probes: the ids its spec gave, else the built-in probe set of its clips' language,
    stored (by `ids`) only once the rest of the spec is checked, so a refused spec writes nothing."""

    given: list[int] | None
    lang: str = "en"
    repeats: bool = False

    @property
    def count(self) -> int:
        return len(self.given) if self.given else len(probes.probe_set(self.lang, self.repeats)[1])

    def ids(self, ws: Workspace) -> list[int]:
        return self.given or probes.probe_text_ids(ws=ws, lang=self.lang, repeats=self.repeats)


def probe_texts(*, ws: Workspace, spec: dict, clip_langs, repeats: bool = False) -> ProbeTexts:
    """The spec's text_ids (NotFound names missing ones), else the probe set of the majority language of
    clip_langs() (asked only then)."""
    given = id_list(spec, "text_ids")
    if given:
        texts.get_texts(ws=ws, ids=given)
        return ProbeTexts(given)
    return ProbeTexts(None, probes.majority_language(clip_langs()), repeats)


def checked_spec(*, ws: Workspace, role: str, spec: dict, resolve_weight=None, default_weight=None) -> dict:
    """The spec with defaults filled and weights resolved; SpecError naming the bad field."""
    if not isinstance(spec, dict):
        raise SpecError("the finder spec must be a JSON object")
    unknown = set(spec) - SPEC_KEYS
    if unknown:
        raise SpecError(f"unknown spec key(s) {sorted(unknown)}; known: {sorted(SPEC_KEYS)}")
    # every plain field is checked before the probe texts are stored: a refused spec changes nothing
    numbers = {"base": base_params(spec), "shortlist": positive(spec, "shortlist", DEFAULT_SHORTLIST),
               "budget_jobs": positive(spec, "budget_jobs", None)}
    weights = {}
    for kind in ("gpt", "sovits"):
        value = spec.get(kind) or (default_weight(kind) if default_weight else None)
        if value and resolve_weight is None:
            raise SpecError(f"{kind} weights were given but no GPT-SoVITS is configured")
        weights[kind] = resolve_weight(kind, value) if value else ""
    clip_ids, group_id = id_list(spec, "clip_ids"), spec.get("group_id")
    clips = candidate_clips(ws=ws, role=role, clip_ids=clip_ids, group_id=group_id)
    if clip_ids:
        missing = sorted(set(clip_ids) - {c.id for c in clips})
        if missing:
            raise SpecError(f"clip id(s) {missing} not found in role {role!r}")
    if not clips:
        raise SpecError(f"role {role!r} has no clips to choose from" + (" in that group" if group_id else "")
                        + ": import a .list first")
    text_ids = probe_texts(ws=ws, spec=spec, clip_langs=lambda: [c.lang for c in clips]).ids(ws)
    return {"name": str(spec.get("name") or "").strip(), **weights, "clip_ids": [c.id for c in clips],
            "text_ids": text_ids, **numbers}


def create_run(*, ws: Workspace, role: str, spec: dict, resolve_weight=None, default_weight=None) -> int:
    """Store a new run in stage "screen"; the driver takes it from there."""
    checked = checked_spec(ws=ws, role=role, spec=spec, resolve_weight=resolve_weight, default_weight=default_weight)
    with ws.role_session(role) as session:
        run = FinderRun(name=checked["name"] or f"{len(checked['clip_ids'])} clips",
                        spec_json=json.dumps(checked, ensure_ascii=False))
        session.add(run)
        session.commit()
        return run.id


def get_run(session, role: str, run_id: int) -> FinderRun:
    run = session.get(FinderRun, int(run_id))
    if run is None:
        raise RunNotFound(f"finder run {run_id} not found in role {role!r}; pick one of the role's runs")
    return run


def load_run(ws: Workspace, role: str, run_id: int) -> FinderRun:
    with ws.role_session(role) as session:
        return get_run(session, role, run_id)


def child_runs(ws: Workspace, role: str, run: FinderRun) -> dict[str, FinderRun]:
    """A per-emotion run's emotions' runs by emotion, in the order they were made, read at once (a deleted
    one left out); empty for any other run."""
    children = run.spec.get("children") or {}
    if not children:
        return {}
    with ws.role_session(role) as session:
        found = {r.id: r for r in session.exec(select(FinderRun).where(col(FinderRun.id).in_(children.values())))}
    return {emotion: found[int(child_id)] for emotion, child_id in children.items() if int(child_id) in found}


def update_run(ws: Workspace, role: str, run_id: int, **fields) -> FinderRun:
    """Set columns (lists and dicts given for *_json columns are serialised) and the update time."""
    with ws.role_session(role) as session:
        run = get_run(session, role, run_id)
        for key, value in fields.items():
            setattr(run, key, json.dumps(value, ensure_ascii=False) if key.endswith("_json") else value)
        run.updated_at = utcnow()
        session.add(run)
        session.commit()
        return run


def unfinished_runs(ws: Workspace, role: str) -> list[int]:
    with ws.role_session(role) as session:
        return list(session.exec(select(FinderRun.id).where(col(FinderRun.stage).in_(ACTIVE_STAGES))
                                 .order_by(col(FinderRun.id))).all())


def list_runs(*, ws: Workspace, role: str) -> list[FinderRunRow]:
    """The role's runs, newest first; a per-emotion run is followed by its emotions' runs."""
    with ws.role_session(role) as session:
        runs = session.exec(select(FinderRun).order_by(col(FinderRun.id).desc())).all()
    rows = [FinderRunRow(run_id=r.id, name=r.name, stage=r.stage, created_at=r.created_at, shortlist=r.shortlist,
                         rounds=len(r.task_ids), mode=r.spec.get("mode") or "references",
                         clips=len(r.spec.get("clip_ids") or []), named=bool(r.spec.get("name")),
                         emotions=len(r.spec.get("children") or {}), emotion=r.spec.get("emotion", ""),
                         parent=r.spec.get("parent")) for r in runs]
    return sorted(rows, key=lambda r: (-(r.parent or r.run_id), r.parent is not None, r.run_id))


def delete_run(*, ws: Workspace, runner, role: str, run_id: int) -> DeletedRun:
    """Stop the run's probe tasks, delete them with their takes, then the run (and its emotions' runs)."""
    run = load_run(ws, role, run_id)
    deleted = []
    for child_id in (run.spec.get("children") or {}).values():
        try:
            deleted += delete_run(ws=ws, runner=runner, role=role, run_id=child_id).tasks
        except RunNotFound:
            continue
    task_ids = run.task_ids
    for task_id in task_ids:
        runner.cancel_task(role, task_id)
        tasks.delete_task(ws=ws, role=role, task_id=task_id)
    with ws.role_session(role) as session:
        session.delete(get_run(session, role, run_id))
        session.commit()
    return DeletedRun(deleted=int(run_id), tasks=deleted + task_ids)


def force_clip(*, ws: Workspace, role: str, run_id: int, clip_id: int, include: bool = True) -> ForcedClip:
    """A person overrules screening: the clip joins the probing (a finished run probes it next)."""
    run = load_run(ws, role, run_id)
    for child in child_runs(ws, role, run).values():  # a run per emotion: the clip's emotion's run
        if int(clip_id) in child.spec.get("clip_ids", []):
            forced = force_clip(ws=ws, role=role, run_id=child.id, clip_id=clip_id, include=include)
            reopened = include and child.stage in ("rank", "done")  # as the emotion's run reopens itself below
            if reopened and run.stage not in ACTIVE_STAGES:
                update_run(ws, role, run_id, stage="probe", error="")  # finished again when that emotion is
            return forced
    screened = [ScreenRow.read(r) for r in run.screened]
    found = next((i for i, r in enumerate(screened) if r.clip_id == int(clip_id)), None)
    if found is None:
        raise NotFound(f"clip {clip_id} was not screened in finder run {run_id}"
                       + (": screening has not finished yet, try again in a moment" if run.stage == "screen"
                          else "; pick a clip from the screening table"))
    forced = set(run.forced)
    forced = forced | {int(clip_id)} if include else forced - {int(clip_id)}
    row = replace(screened[found], forced=int(clip_id) in forced,
                  excluded=bool(screened[found].why) and int(clip_id) not in forced)
    screened[found] = row
    fields = {"forced_json": sorted(forced), "screened_json": [r.stored() for r in screened]}
    if include and run.stage in ("rank", "done"):
        spec = run.spec
        spec["budget_jobs"] = (spec.get("budget_jobs") or 0) + allocate.MIN_FINAL_TAKES  # room for its takes
        spec["budget_added"] = spec.get("budget_added", 0) + allocate.MIN_FINAL_TAKES
        fields.update(stage="probe", spec_json=spec, stop_reason="")
    update_run(ws, role, run_id, **fields)
    return ForcedClip(clip_id=int(clip_id), forced=row.forced, excluded=row.excluded)


def estimate(*, ws: Workspace, role: str, clip_ids: list[int] | None = None, group_id: int | None = None,
             texts_count: int = len(next(iter(probes.PROBE_TEXTS.values()))), shortlist: int = DEFAULT_SHORTLIST,
             job_seconds: float | None = None) -> FinderEstimate:
    """The default budget before screening, counting the clips GPT-SoVITS accepts (3-10 s) as candidates."""
    clips = candidate_clips(ws=ws, role=role, clip_ids=clip_ids, group_id=group_id)
    usable = sum(1 for c in clips if c.valid)
    budget = allocate.default_budget(usable, texts_count, shortlist)
    return FinderEstimate(clips=len(clips), usable=usable, budget_jobs=budget,
                          full_grid_jobs=allocate.full_grid_jobs(usable, texts_count),
                          minutes=round(budget * job_seconds / 60, 1) if job_seconds else None)
