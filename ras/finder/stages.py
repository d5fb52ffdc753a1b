"""One step of a finder run per call: screen, plan or wait for a probe round, rank; and the run's ranking.

Every step reads the run's row and its tasks' job rows and writes its outcome before it
returns, so a step interrupted by a kill is simply taken again after the restart.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import UTC

from sqlalchemy import func, insert
from sqlmodel import col, select

from ras.finder import allocate, facts, rank, screen, standing
from ras.finder import run as runs
from ras.finder.rank import RankRow
from ras.finder.screen import ScreenRow
from ras.library import texts
from ras.metrics.asr import AsrConfig
from ras.queue.tasks import queued_job_row
from ras.store.main_tables import utcnow
from ras.store.role_tables import Job, ParamSet, Task
from ras.store.workspace import Workspace

ANALYSIS_GRACE_SECONDS = 300  # a take whose analysis never lands stops blocking the run after this
NOTHING_LEFT = "screening excluded every clip; force some back in or import others"  # a run's error


def do_screen(ws: Workspace, role: str, run_id: int, *, encoder=None, asr: AsrConfig | None = None) -> None:
    run = runs.load_run(ws, role, run_id)
    spec = run.spec
    clips = facts.candidate_clips(ws=ws, role=role, clip_ids=spec["clip_ids"], group_id=None)
    found, per_clip_ms = facts.gather(ws=ws, role=role, clips=clips, encoder=encoder)
    forced = set(run.forced)
    rows = screen.screen(found, forced=forced)
    if asr is not None:
        by_id = {c.id: c for c in clips}
        for fact, row in zip(found, rows):
            if not row.excluded:
                facts.add_asr(fact, ws, role, by_id[fact.clip_id], asr)
        rows = screen.screen(found, forced=forced)
    candidates = [r.clip_id for r in rows if not r.excluded]
    if not spec["budget_jobs"]:  # the default budget follows the clips screening left, not those given
        spec["budget_for_candidates"] = len(candidates)
    budget = spec["budget_jobs"] or allocate.default_budget(len(candidates), len(spec["text_ids"]), spec["shortlist"])
    spec.update(budget_jobs=budget, screen_ms_per_clip=per_clip_ms)
    runs.update_run(ws, role, run_id, screened_json=[r.stored() for r in rows], spec_json=spec,
                    stage="probe" if candidates else "failed", error="" if candidates else NOTHING_LEFT)


def job_rows(session, task_ids: list[int], *order_by) -> list:
    """The job columns a take and the round's counts are made of, for every job of these tasks (by id unless
    ordered otherwise)."""
    if not task_ids:
        return []
    return list(session.exec(select(Job.id, Job.task_id, Job.clip_id, Job.text_id, Job.param_set_id, Job.status,
                                    Job.auto_score, Job.flags_json, Job.chars_per_second, Job.metrics_json,
                                    Job.spectrogram_path, Job.analysis_error, Job.finished_at, Job.worker,
                                    Job.started_at)
                             .where(col(Job.task_id).in_(task_ids)).order_by(*(order_by or (col(Job.id),)))).all())


def job_counts(rows) -> dict[str, int]:
    """Per-status counts over these job rows, and the takes waiting for or failed in analysis."""
    counts = defaultdict(int)
    for row in rows:
        counts[row.status] += 1
        if row.status == "done" and row.analysis_error:  # failed twice: nothing more will come, no verdict
            counts["analysis_failed"] += 1
        elif row.status == "done" and not row.spectrogram_path:
            counts["unanalysed"] += 1
            if row.finished_at is not None and _age(row.finished_at) < ANALYSIS_GRACE_SECONDS:
                counts["awaiting_analysis"] += 1
    return dict(counts)


def take_of(row, take_id: int, seed: int | None) -> rank.Take | None:
    """A finished job row as a take under this id (a clip's, or a configuration candidate's); None if unfinished."""
    if row.status not in ("done", "failed"):
        return None
    return rank.Take(take_id, row.text_id, seed, failed_job=row.status == "failed", auto_score=row.auto_score,
                     flags=tuple(Job.read_flags(row.flags_json)), chars_per_second=row.chars_per_second,
                     speaker_similarity=Job.read_metrics(row.metrics_json).get("speaker_similarity"))


def param_sets(session, task_ids: list[int]) -> dict[int, dict]:
    """The parameters of every parameter set of these tasks, by id."""
    if not task_ids:
        return {}
    return {ps.id: ps.params for ps in session.exec(select(ParamSet).where(col(ParamSet.task_id).in_(task_ids))).all()}


def _clip_takes(rows, sets: dict[int, dict]) -> list[rank.Take]:
    found = (take_of(row, row.clip_id, sets.get(row.param_set_id, {}).get("seed")) for row in rows)
    return [take for take in found if take is not None]


def load_takes(session, task_ids: list[int]) -> tuple[list[rank.Take], dict]:
    """The probe takes of these tasks, and per-status counts over their jobs."""
    rows = job_rows(session, task_ids)
    return _clip_takes(rows, param_sets(session, task_ids)), job_counts(rows)


def _age(finished) -> float:
    stamp = finished if finished.tzinfo else finished.replace(tzinfo=UTC)
    return (utcnow() - stamp).total_seconds()


def _round_clips(session, task_id: int) -> list[int]:
    return list(session.exec(select(Job.clip_id).where(Job.task_id == task_id).distinct()).all())


def _taken(session, task_ids: list[int]) -> dict[int, int]:
    if not task_ids:
        return {}
    return dict(session.exec(select(Job.clip_id, func.count()).where(col(Job.task_id).in_(task_ids))
                             .group_by(Job.clip_id)).all())


def _create_round(ws: Workspace, role: str, run, spec: dict, plan: allocate.RoundPlan, number: int) -> int:
    contents = {t.id: t for t in texts.get_texts(ws=ws, ids=spec["text_ids"])}
    with ws.role_session(role) as session:
        task = Task(name=f"finder {run.id} round {number}", kind="finder",
                    spec_json=json.dumps({"finder_run": run.id, "round": number}))
        session.add(task)
        session.flush()
        sets = {}
        for seed in sorted({p.seed for p in plan.probes}):
            params = {**spec["base"], **{k: spec[k] for k in ("gpt", "sovits") if spec[k]}, "seed": seed}
            sets[seed] = ParamSet(task_id=task.id, params_json=json.dumps(params, ensure_ascii=False),
                                  label=f"seed={seed}")
            session.add(sets[seed])
        session.flush()
        session.execute(insert(Job), [queued_job_row(
            task_id=task.id, param_set_id=sets[p.seed].id, clip_id=p.clip_id, text_id=p.text_id,
            text=contents[p.text_id].content, text_lang=contents[p.text_id].lang) for p in plan.probes])
        session.commit()
        return task.id


def round_waiting(session, runner, role: str, task_ids: list[int]) -> str | None:
    """What the run's current round still waits for (restarting its task if no engine has it), or None."""
    current = task_ids[-1:]
    counts = job_counts(job_rows(session, current))
    if counts.get("queued", 0) or counts.get("running", 0):
        if not runner.is_active(role, current[0]):
            runner.run_task(role, current[0])  # e.g. resumed with no engine at start-up
        return "waiting for takes"
    if counts.get("awaiting_analysis", 0):
        return "waiting for analysis"
    return None


def start_round(ws: Workspace, runner, role: str, run_id: int, task_ids: list[int], plan, create_round,
                noun: str) -> str:
    """Stop the search when the plan probes nothing, else create its round (create_round(number) -> task
    id) and queue it; returns what happened (for the log)."""
    if not plan.probes:
        runs.update_run(ws, role, run_id, stage="rank", stop_reason=plan.stop_reason)
        return f"stopped: {plan.stop_reason}"
    number = len(task_ids) + 1
    task_id = create_round(number)
    runs.update_run(ws, role, run_id, task_ids_json=task_ids + [task_id])
    runner.run_task(role, task_id)
    return f"round {number}: {len(plan.probes)} takes for {len(plan.survivors)} {noun}"


def do_probe(ws: Workspace, runner, role: str, run_id: int) -> str:
    """Wait for the current round, or plan and start the next; returns what happened (for the log)."""
    run = runs.load_run(ws, role, run_id)
    spec, task_ids = run.spec, run.task_ids
    with ws.role_session(role) as session:
        waiting = round_waiting(session, runner, role, task_ids)
        if waiting:
            return waiting
        takes, _ = load_takes(session, task_ids)
        taken = _taken(session, task_ids)
        in_race = _round_clips(session, task_ids[-1]) if task_ids else []
    candidates = [r.clip_id for r in map(ScreenRow.read, run.screened) if not r.excluded]
    fresh = [c for c in candidates if not taken.get(c)]
    race = list(dict.fromkeys(in_race + fresh)) if task_ids else candidates
    plan = allocate.plan_round(ranking=rank.rank(takes, race), text_ids=spec["text_ids"], taken=taken,
                               budget_left=spec["budget_jobs"] - sum(taken.values()), shortlist=spec["shortlist"],
                               first_round=not task_ids)
    return start_round(ws, runner, role, run_id, task_ids, plan,
                       lambda number: _create_round(ws, role, run, spec, plan, number), "clips")


@dataclass(frozen=True)
class Ranked:
    rows: list[RankRow]  # best first, each with its standing (ras.finder.standing)
    shortlist: list[int]
    counts: dict[str, int]  # the probe jobs per status, and the takes waiting for or failed in analysis


def ranked(ws: Workspace, role: str, run) -> Ranked:
    """The run's ranking: as stored once the run is done, else from its takes so far."""
    with ws.role_session(role) as session:
        jobs, sets = job_rows(session, run.task_ids), param_sets(session, run.task_ids)
    by_task = defaultdict(list)
    for job in jobs:
        by_task[job.task_id].append(job)
    rounds, so_far = [], []
    for task_id in run.task_ids:
        so_far += _clip_takes(by_task[task_id], sets)
        clips = tuple(dict.fromkeys(job.clip_id for job in by_task[task_id]))
        rounds.append(standing.RoundRecord(clips, tuple(so_far)))
    places = run.spec["shortlist"]
    if run.stage == "done":
        rows, shortlist = [RankRow.read(r) for r in run.ranking], run.shortlist
    else:
        last_round = set(rounds[-1].clips) if rounds else set()
        rows = [replace(r, final_round=r.clip_id in last_round)
                for r in rank.rank(so_far, list(dict.fromkeys(t.clip_id for t in so_far)))]
        shortlist = standing.shortlist_of(rows, places)
    probing = run.stage in ("screen", "probe")
    return Ranked(standing.place(rows, rounds, shortlist, places, probing), shortlist, job_counts(jobs))


def do_rank(ws: Workspace, role: str, run_id: int) -> None:
    run = runs.load_run(ws, role, run_id)
    found = ranked(ws, role, run)
    runs.update_run(ws, role, run_id, ranking_json=[r.stored() for r in found.rows], stage="done",
                    shortlist_json=found.shortlist)
