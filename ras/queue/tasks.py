"""Create, list, clone, delete and re-run comparison tasks (rows in the role DB)."""
from __future__ import annotations

import functools
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete as sql_delete
from sqlalchemy import func, insert
from sqlmodel import col, select

from gsv_integration.request import REF_MAX_SECONDS, REF_MIN_SECONDS
from ras.errors import Conflict
from ras.library import texts
from ras.queue import versions
from ras.queue.task_spec import ExpandedSpec, SpecError, expand_spec
from ras.store.lookups import get_task
from ras.store.role_tables import JOB_STATUSES, AbCandidate, AbPair, AbSession, Clip, Job, ParamSet, Task
from ras.store.rows import new_row
from ras.store.workspace import Workspace

WeightResolver = Callable[[str, str], str]  # (kind "gpt"|"sovits", file or name) -> file path
DefaultWeight = Callable[[str], "str | None"]  # kind -> GPT-SoVITS's default file for unset weights
RESULTS_DIR = "results"


@dataclass(frozen=True)
class JobCounts:
    """A task's jobs per status."""

    queued: int
    running: int
    done: int
    failed: int
    cancelled: int
    total: int


@dataclass(frozen=True)
class CreatedTask:
    task_id: int
    jobs: int  # how many jobs it queued


@dataclass(frozen=True)
class TaskSummary:
    """A row of the role's task list."""

    task_id: int
    name: str
    state: str  # running | idle
    created_at: datetime
    varied: tuple[str, ...]  # the parameters it compares (none: a comparison of references)
    counts: JobCounts


def _short(value) -> str:
    return Path(value).stem if isinstance(value, str) and ("/" in value or "\\" in value) else str(value)


def param_label(params: dict, varied: list[str]) -> str:
    return ", ".join(f"{k}={_short(params[k])}" for k in varied if k in params) or "base"


def _resolve_weights(expanded: ExpandedSpec, resolve_weight: WeightResolver | None,
                     default_weight: DefaultWeight | None) -> None:
    # Each lookup may read tts_infer.yaml or a checkpoint, and a grid repeats the same few values.
    resolve_weight = resolve_weight and functools.cache(resolve_weight)
    default_weight = default_weight and functools.cache(default_weight)
    for params in expanded.param_sets:
        for kind in ("gpt", "sovits"):
            if not params.get(kind) and default_weight is not None and (default := default_weight(kind)):
                params[kind] = default  # recorded in the parameter set: every result says what it used
            if params.get(kind):
                if resolve_weight is None:
                    raise SpecError(f"{kind} weights were given but no GPT-SoVITS is configured")
                params[kind] = resolve_weight(kind, params[kind])


def _check_clips(session, role: str, expanded: ExpandedSpec) -> None:
    wanted = set(expanded.clip_ids)
    for params in expanded.param_sets:
        wanted.update(params.get("aux_refs") or [])
    found = {c.id: c for c in session.exec(select(Clip).where(col(Clip.id).in_(wanted))).all()}
    missing = sorted(wanted - found.keys())
    if missing:
        raise SpecError(f"clip id(s) {missing} not found in role {role!r}")
    invalid = sorted(i for i in expanded.clip_ids if not found[i].valid)
    if invalid:
        raise SpecError(f"clip(s) {invalid} are not usable as references (GPT-SoVITS needs "
                        f"{REF_MIN_SECONDS:g}-{REF_MAX_SECONDS:g} s, and a transcript that fits the clip; the clip "
                        "browser says why); pick other clips or mark them valid there")


def plan_task(*, ws: Workspace, role: str, spec: dict, max_jobs: int = 20_000,
              resolve_weight: WeightResolver | None = None,
              default_weight: DefaultWeight | None = None) -> ExpandedSpec:
    """Expand and check a spec without writing anything (the UI shows the job count)."""
    expanded = expand_spec(spec)
    if not expanded.clip_ids:
        raise SpecError("choose at least one reference clip")
    if not expanded.text_ids:
        raise SpecError("choose at least one test text")
    if expanded.job_count == 0:
        raise SpecError("the task has no jobs")
    if expanded.job_count > max_jobs:
        raise SpecError(f"the task would make {expanded.job_count} jobs; the limit is {max_jobs} "
                        "(fewer values, clips or texts; or raise --max-jobs)")
    _resolve_weights(expanded, resolve_weight, default_weight)
    texts.get_texts(ws=ws, ids=expanded.text_ids)
    with ws.role_session(role) as session:
        _check_clips(session, role, expanded)
    return expanded


def create_task(*, ws: Workspace, role: str, spec: dict, max_jobs: int = 20_000,
                resolve_weight: WeightResolver | None = None, default_weight: DefaultWeight | None = None,
                code_version: str = "") -> CreatedTask:
    """code_version: the GPT-SoVITS the engines run now (Backend.code_version), recorded with the
    weights' model versions; "" leaves both to the task's first run."""
    expanded = plan_task(ws=ws, role=role, spec=spec, max_jobs=max_jobs, resolve_weight=resolve_weight,
                         default_weight=default_weight)
    test_texts = texts.get_texts(ws=ws, ids=expanded.text_ids)
    with ws.role_session(role) as session:
        task = Task(name=expanded.name, spec_json=json.dumps(spec, ensure_ascii=False))
        session.add(task)
        session.flush()
        sets = [ParamSet(task_id=task.id, params_json=json.dumps(p, ensure_ascii=False),
                         label=param_label(p, expanded.varied)) for p in expanded.param_sets]
        session.add_all(sets)
        session.flush()
        if code_version:
            versions.record(session, task, code_version)
        rows = [queued_job_row(task_id=task.id, param_set_id=ps.id, clip_id=clip_id, text=t.content,
                               text_lang=t.lang, text_id=t.id)
                for ps in sets for clip_id in expanded.clip_ids for t in test_texts]
        session.execute(insert(Job), rows)
        session.commit()
        return CreatedTask(task_id=task.id, jobs=len(rows))


def queued_job_row(*, task_id: int, param_set_id: int, clip_id: int, text: str, text_lang: str,
                   text_id: int | None = None) -> dict:
    """A job waiting in the queue, as a row for a bulk insert of a task's jobs."""
    return new_row(Job, task_id=task_id, param_set_id=param_set_id, clip_id=clip_id, text_id=text_id, text=text,
                   text_lang=text_lang, status="queued")


def _counted(counts: dict[str, int]) -> dict:
    result = {s: counts.get(s, 0) for s in JOB_STATUSES}
    result["total"] = sum(result.values())
    return result


def status_counts_of_tasks(session, task_ids: list[int]) -> dict[int, dict]:
    """Job counts per status (and total) of each task, in one grouped query (JobCounts(**counts) types one)."""
    counts: dict[int, dict[str, int]] = {int(t): {} for t in task_ids}
    rows = session.exec(select(Job.task_id, Job.status, func.count()).where(col(Job.task_id).in_(list(counts)))
                        .group_by(Job.task_id, Job.status)).all()
    for task_id, status, count in rows:
        counts[task_id][status] = count
    return {task_id: _counted(c) for task_id, c in counts.items()}


def status_counts(session, task_id: int) -> dict:
    return status_counts_of_tasks(session, [task_id])[int(task_id)]


def list_tasks(*, ws: Workspace, role: str) -> list[TaskSummary]:
    """The role's comparison tasks, newest first."""
    with ws.role_session(role) as session:
        tasks = session.exec(select(Task).where(Task.kind == "compare").order_by(col(Task.id).desc())).all()
        counts = status_counts_of_tasks(session, [t.id for t in tasks])
        return [TaskSummary(task_id=t.id, name=t.name, state=t.state, created_at=t.created_at,
                            varied=tuple((t.spec.get("vary") or {}).keys()), counts=JobCounts(**counts[t.id]))
                for t in tasks]


def task_spec(*, ws: Workspace, role: str, task_id: int) -> dict:
    with ws.role_session(role) as session:
        return get_task(session, role, task_id).spec


def delete_task(*, ws: Workspace, role: str, task_id: int) -> None:
    with ws.role_session(role) as session:
        task = get_task(session, role, task_id)
        if task.state == "running":
            raise Conflict(f"task {task_id} is running; cancel it in the infer tab first, then delete it")
        ab_sessions = select(AbSession.id).where(AbSession.task_id == task.id)  # blind tests of its takes go too
        session.execute(sql_delete(AbPair).where(col(AbPair.session_id).in_(ab_sessions)))
        session.execute(sql_delete(AbCandidate).where(col(AbCandidate.session_id).in_(ab_sessions)))
        session.execute(sql_delete(AbSession).where(AbSession.task_id == task.id))
        session.execute(sql_delete(Job).where(Job.task_id == task.id))
        session.execute(sql_delete(ParamSet).where(ParamSet.task_id == task.id))
        session.delete(task)
        session.commit()
    shutil.rmtree(ws.role_dir(role) / RESULTS_DIR / str(int(task_id)), ignore_errors=True)


def requeue_failed(*, ws: Workspace, role: str, task_id: int) -> int:
    """Failed and cancelled jobs go back to the queue; returns how many."""
    with ws.role_session(role) as session:
        get_task(session, role, task_id)
        jobs = session.exec(select(Job).where(Job.task_id == task_id,
                                              col(Job.status).in_(("failed", "cancelled")))).all()
        for job in jobs:
            job.status, job.attempts, job.error = "queued", 0, ""
            session.add(job)
        session.commit()
        return len(jobs)
