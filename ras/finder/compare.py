"""A finder run's shortlist (or a configuration run's finalists) as one comparison task, for a blind A/B
session over it.

An A/B session compares the configurations of one task, but a run's probe takes are
spread over its rounds (one task each) and over seeds (one parameter set each). So the
shortlisted references' finished takes are gathered into one comparison task of their
own, under a single parameter set: each reference is then one A/B candidate, heard
against the others on the probe texts they share, with every seed's take in play.
The takes' audio and spectrograms are linked (copied where the disk cannot link), so
deleting the run keeps the comparison playable, and the task can be evaluated like any other.

A configuration run's finalists become one parameter set each (the candidate's parameters, the
seed kept on each take), heard with the run's first reference only: an A/B candidate is a
parameter set and a clip, and a pair heard through two references would judge the references.
Every candidate's takes walk the same (reference, text) slots, every text through every reference
before a second seed, so the finalists' takes with that reference share their texts: nothing is synthesized.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from sqlalchemy import insert
from sqlmodel import col, select

from ras.errors import Conflict
from ras.finder import config_run, config_stages, emotion_runs
from ras.finder import run as runs
from ras.queue.jobs import result_relpath
from ras.queue.tasks import RESULTS_DIR
from ras.store.role_tables import Job, ParamSet, Task
from ras.store.rows import new_row
from ras.store.workspace import Workspace

BLIND_CANDIDATES = 4  # a configuration run's finalists heard blind: more would need many more votes
COPIED_COLUMNS = ("clip_id", "text_id", "text", "text_lang", "status", "attempts", "request_json", "duration",
                  "chars_per_second", "sample_rate", "synth_seconds", "worker", "started_at", "finished_at",
                  "analysis_error", "metrics_json", "auto_score", "flags_json", "score", "note", "scored_at")


def _link(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:  # another file system, or links not allowed
        shutil.copyfile(source, target)


def _copy_takes(session, role_dir: Path, task_id: int, takes: list[Job], new_set_of: dict[int, int],
                seeds: dict[int, int | None]) -> None:
    """The takes as rows of the comparison task, under the parameter sets new_set_of maps theirs to; the seed
    each was made with stays on the row, and the audio and spectrogram are linked under the task."""
    first_id = (session.exec(select(Job.id).order_by(col(Job.id).desc())).first() or 0) + 1
    rows = []
    for offset, take in enumerate(takes):
        job_id = first_id + offset
        wav = result_relpath(task_id, job_id)
        _link(role_dir / take.result_path, role_dir / wav)
        picture = ""
        if take.spectrogram_path and (role_dir / take.spectrogram_path).is_file():
            picture = f"{RESULTS_DIR}/{task_id}/{job_id}{Path(take.spectrogram_path).suffix}"
            _link(role_dir / take.spectrogram_path, role_dir / picture)
        rows.append(new_row(Job, **{name: getattr(take, name) for name in COPIED_COLUMNS}, id=job_id,
                            task_id=task_id, param_set_id=new_set_of[take.param_set_id],
                            seed_override=seeds.get(take.param_set_id), result_path=wav, spectrogram_path=picture))
    if rows:
        session.execute(insert(Job), rows)


def _shortlist_takes(session, task_ids: list[int], clip_ids: list[int]) -> list[Job]:
    return list(session.exec(select(Job).where(col(Job.task_id).in_(task_ids), col(Job.clip_id).in_(clip_ids),
                                               Job.status == "done", Job.result_path != "")
                             .order_by(col(Job.id))).all())


def _seeds(session, takes: list[Job]) -> dict[int, int | None]:
    sets = session.exec(select(ParamSet).where(col(ParamSet.id).in_({j.param_set_id for j in takes}))).all()
    return {ps.id: ps.params.get("seed") for ps in sets}


def shortlist_task(*, ws: Workspace, role: str, run_id: int) -> int:
    """A comparison task holding the shortlist's finished takes (made once per run, then reused)."""
    run = runs.load_run(ws, role, run_id)
    shortlist, task_ids = run.shortlist, run.task_ids
    if emotion_runs.is_emotion_run(run.spec):  # takes of different emotions are not heard against each other
        children = run.spec["children"]
        raise Conflict(f"finder run {run_id} is a per_emotion run: compare one emotion's shortlist blind with that "
                       f"emotion's run id ({', '.join(f'{e} {i}' for e, i in children.items())})")
    if run.stage != "done":
        raise Conflict(f"finder run {run_id} is still in stage {run.stage!r}; compare its shortlist when it is done")
    if len(shortlist) < 2:
        raise Conflict(f"finder run {run_id} shortlisted {len(shortlist)} reference(s); a blind comparison "
                       "needs two or more (force clips back in, or raise the budget)")
    spec = run.spec
    params = {**spec["base"], **{k: spec[k] for k in ("gpt", "sovits") if spec.get(k)}}
    marker = {"finder_shortlist": {"run": run.id, "clips": shortlist}}
    with ws.role_session(role) as session:
        found = _existing_task(session, marker)
        if found is not None:
            return found
        takes = _shortlist_takes(session, task_ids, shortlist)
        task = _new_task(session, run, f"finder {run.id} shortlist", {
            "clip_ids": shortlist, "text_ids": spec["text_ids"], "base": params, "vary": {}, "combine": "each",
            **marker})
        param_set = ParamSet(task_id=task.id, params_json=json.dumps(params, ensure_ascii=False),
                             label=f"finder {run.id}")
        session.add(param_set)
        session.flush()
        _copy_takes(session, ws.role_dir(role), task.id, takes, {take.param_set_id: param_set.id for take in takes},
                    _seeds(session, takes))
        session.commit()
        return task.id


def finalists_task(*, ws: Workspace, role: str, run_id: int) -> int:
    """A comparison task holding the finished takes of a configuration run's top finalists (up to
    BLIND_CANDIDATES) made with its first reference (made once per run, then reused)."""
    run = runs.load_run(ws, role, run_id)
    finalists, task_ids, spec = run.shortlist[:BLIND_CANDIDATES], run.task_ids, run.spec
    if run.stage != "done":
        raise Conflict(f"finder run {run_id} is still in stage {run.stage!r}; compare its finalists when it is done")
    if len(finalists) < 2:
        raise Conflict(f"finder run {run_id} kept {len(finalists)} finalist(s); a blind comparison needs two or "
                       'more (run again with a larger budget, or "finalists": 2 or more)')
    reference = spec["reference_ids"][0]
    marker = {"finder_finalists": {"run": run.id, "candidates": finalists, "reference": reference}}
    candidates = config_run.candidates_of(spec)
    with ws.role_session(role) as session:
        found = _existing_task(session, marker)
        if found is not None:
            return found
        candidate_of = config_stages.candidate_of_sets(session, task_ids)
        takes = [take for take in _shortlist_takes(session, task_ids, [reference])
                 if candidate_of.get(take.param_set_id) in finalists]
        params = [{**spec["base"], **spec["weights"], **candidates[index].params} for index in finalists]
        common = {k: v for k, v in params[0].items() if all(p.get(k) == v for p in params)}
        # the task form's closest spec: re-run from the task tab, it crosses the finalists' values
        varied = {k for p in params for k in p} - common.keys()
        vary = {k: sorted({p[k] for p in params if k in p}, key=str) for k in sorted(varied)}
        task = _new_task(session, run, f"finder {run.id} finalists", {
            "clip_ids": [reference], "text_ids": spec["text_ids"], "base": common, "vary": vary, "combine": "grid",
            **marker})
        sets = []
        for index, values in zip(finalists, params):
            sets.append(ParamSet(task_id=task.id, params_json=json.dumps(values, ensure_ascii=False),
                                 label=candidates[index].label))
        session.add_all(sets)
        session.flush()
        set_of_candidate = {index: param_set.id for index, param_set in zip(finalists, sets)}
        _copy_takes(session, ws.role_dir(role), task.id, takes,
                    {take.param_set_id: set_of_candidate[candidate_of[take.param_set_id]] for take in takes},
                    _seeds(session, takes))
        session.commit()
        return task.id


def comparison_task(*, ws: Workspace, role: str, run_id: int) -> int:
    """The comparison task of a finished run: its shortlisted references, or a configuration run's finalists."""
    if config_run.is_config_run(runs.load_run(ws, role, run_id).spec):
        return finalists_task(ws=ws, role=role, run_id=run_id)
    return shortlist_task(ws=ws, role=role, run_id=run_id)


def _existing_task(session, marker: dict) -> int | None:
    key, value = next(iter(marker.items()))
    return next((task.id for task in session.exec(select(Task).where(Task.kind == "compare")).all()
                 if task.spec.get(key) == value), None)


def _new_task(session, run, name: str, form: dict) -> Task:
    """A comparison task whose spec is the task form's, so it can also be copied and re-run from the task tab."""
    made_by = session.get(Task, run.task_ids[0]) if run.task_ids else None  # the versions its takes were made with
    task = Task(name=name, kind="compare", gsv_version=made_by.gsv_version if made_by else "",
                weight_versions_json=made_by.weight_versions_json if made_by else "",
                spec_json=json.dumps({"name": name, **form}, ensure_ascii=False))
    session.add(task)
    session.flush()
    return task

