"""A finder run's shortlist as one comparison task, for a blind A/B session over it.

An A/B session compares the configurations of one task, but a run's probe takes are
spread over its rounds (one task each) and over seeds (one parameter set each). So the
shortlisted references' finished takes are gathered into one comparison task of their
own, under a single parameter set: each reference is then one A/B candidate, heard
against the others on the probe texts they share, with every seed's take in play.
The takes' audio and spectrograms are linked (copied where the disk cannot link), so
deleting the run keeps the comparison playable, and the task can be evaluated like any other.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from sqlalchemy import insert
from sqlmodel import col, select

from ras.errors import Conflict
from ras.finder import run as runs
from ras.queue.jobs import result_relpath
from ras.queue.tasks import RESULTS_DIR
from ras.store.role_tables import Job, ParamSet, Task
from ras.store.rows import new_row
from ras.store.workspace import Workspace

COPIED_COLUMNS = ("clip_id", "text_id", "text", "text_lang", "status", "attempts", "request_json", "duration",
                  "chars_per_second", "sample_rate", "synth_seconds", "worker", "started_at", "finished_at",
                  "analysis_error", "metrics_json", "auto_score", "flags_json", "score", "note", "scored_at")


def _link(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:  # another file system, or links not allowed
        shutil.copyfile(source, target)


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
    children = run.spec.get("children") or {}
    if children:  # takes of different emotions are not heard against each other
        raise Conflict(f"finder run {run_id} is a per_emotion run: compare one emotion's shortlist blind with that "
                       f"emotion's run id ({', '.join(f'{e} {i}' for e, i in children.items())})")
    if run.stage != "done":
        raise Conflict(f"finder run {run_id} is still in stage {run.stage!r}; compare its shortlist when it is done")
    if len(shortlist) < 2:
        raise Conflict(f"finder run {run_id} shortlisted {len(shortlist)} reference(s); a blind comparison "
                       "needs two or more (force clips back in, or raise the budget)")
    spec = run.spec
    role_dir = ws.role_dir(role)
    with ws.role_session(role) as session:
        existing = session.exec(select(Task).where(Task.kind == "compare")).all()
        for task in existing:
            if task.spec.get("finder_shortlist") == {"run": run.id, "clips": shortlist}:
                return task.id
        takes = _shortlist_takes(session, task_ids, shortlist)
        seeds = _seeds(session, takes)
        params = {**spec["base"], **{k: spec[k] for k in ("gpt", "sovits") if spec.get(k)}}
        name = f"finder {run.id} shortlist"
        # the task form's spec, so the task can also be copied and re-run from the task tab
        made_by = session.get(Task, task_ids[0]) if task_ids else None  # the versions its takes were made with
        task = Task(name=name, kind="compare", gsv_version=made_by.gsv_version if made_by else "",
                    weight_versions_json=made_by.weight_versions_json if made_by else "", spec_json=json.dumps(
            {"name": name, "clip_ids": shortlist, "text_ids": spec["text_ids"], "base": params, "vary": {},
             "combine": "each", "finder_shortlist": {"run": run.id, "clips": shortlist}}, ensure_ascii=False))
        session.add(task)
        session.flush()
        param_set = ParamSet(task_id=task.id, params_json=json.dumps(params, ensure_ascii=False),
                             label=f"finder {run.id}")
        session.add(param_set)
        session.flush()
        first_id = (session.exec(select(Job.id).order_by(col(Job.id).desc())).first() or 0) + 1
        rows = []
        for offset, take in enumerate(takes):
            job_id = first_id + offset
            wav = result_relpath(task.id, job_id)
            _link(role_dir / take.result_path, role_dir / wav)
            picture = ""
            if take.spectrogram_path and (role_dir / take.spectrogram_path).is_file():
                picture = f"{RESULTS_DIR}/{task.id}/{job_id}{Path(take.spectrogram_path).suffix}"
                _link(role_dir / take.spectrogram_path, role_dir / picture)
            rows.append(new_row(Job, **{name: getattr(take, name) for name in COPIED_COLUMNS}, id=job_id,
                                task_id=task.id, param_set_id=param_set.id,
                                seed_override=seeds.get(take.param_set_id), result_path=wav,
                                spectrogram_path=picture))
        if rows:
            session.execute(insert(Job), rows)
        session.commit()
        return task.id

