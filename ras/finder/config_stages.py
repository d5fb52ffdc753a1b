"""One step of a configuration run per call (plan or wait for a round, rank), and its status.

As for references (ras.finder.stages), each round is a hidden task on the normal queue; its
parameter sets are (candidate, seed) pairs, so the queue's scheduler loads each weight pair once
per round and keeps what an engine has loaded across rounds. The task's spec maps each
parameter set to its candidate, so a restarted RAS reads the race back from the job rows.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import insert
from sqlmodel import col, select

from ras.finder import configs, rank, stages
from ras.finder import run as runs
from ras.finder.config_run import candidates_of
from ras.finder.configs import CandidateRow, EpochPoint
from ras.finder.screen import ScreenRow
from ras.finder.status import job_totals
from ras.library import texts
from ras.queue.tasks import queued_job_row
from ras.store.role_tables import Job, ParamSet, Task
from ras.store.workspace import Workspace


def _candidate_of_sets(session, task_ids: list[int]) -> dict[int, int]:
    tasks = session.exec(select(Task).where(col(Task.id).in_(task_ids))).all() if task_ids else []
    return {int(ps): int(index) for task in tasks for ps, index in task.spec.get("param_sets", {}).items()}


def config_takes(session, task_ids: list[int]) -> tuple[list[rank.Take], dict[int, int], dict[int, list]]:
    """The takes (the candidate's index as their id), jobs made per candidate, and per engine the
    (gpt, sovits) of its finished jobs in the order they ran (for the weight loads)."""
    if not task_ids:
        return [], {}, {}
    candidate_of = _candidate_of_sets(session, task_ids)
    sets = {ps.id: ps.params for ps in session.exec(select(ParamSet).where(col(ParamSet.task_id).in_(task_ids))).all()}
    rows = session.exec(select(Job.param_set_id, Job.text_id, Job.status, Job.auto_score, Job.flags_json,
                               Job.chars_per_second, Job.metrics_json, Job.worker, Job.started_at)
                        .where(col(Job.task_id).in_(task_ids)).order_by(col(Job.started_at), col(Job.id))).all()
    takes, taken, engines = [], defaultdict(int), defaultdict(list)
    for ps_id, text_id, status, auto_score, flags_json, cps, metrics_json, worker, started in rows:
        index = candidate_of.get(ps_id)
        if index is None:
            continue
        taken[index] += 1
        params = sets.get(ps_id, {})
        if started is not None:
            engines[worker].append((params.get("gpt", ""), params.get("sovits", "")))
        if status not in ("done", "failed"):
            continue
        takes.append(rank.Take(index, text_id, params.get("seed"), failed_job=status == "failed",
                               auto_score=auto_score, flags=tuple(Job.read_flags(flags_json)), chars_per_second=cps,
                               speaker_similarity=Job.read_metrics(metrics_json).get("speaker_similarity")))
    return takes, dict(taken), dict(engines)


def _create_round(ws: Workspace, role: str, run_id: int, spec: dict, plan: configs.ConfigRound, number: int) -> int:
    contents = {t.id: t for t in texts.get_texts(ws=ws, ids=spec["text_ids"])}
    slots = configs.slots(spec["reference_ids"], spec["text_ids"])
    candidates = candidates_of(spec)
    with ws.role_session(role) as session:
        task = Task(name=f"finder {run_id} round {number}", kind="finder",
                    spec_json=json.dumps({"finder_run": run_id, "round": number}))
        session.add(task)
        session.flush()
        sets = {}
        for index, seed in sorted({(p.clip_id, p.seed) for p in plan.probes}):
            params = {**spec["base"], **spec["weights"], **candidates[index].params, "seed": seed}
            sets[(index, seed)] = ParamSet(task_id=task.id, params_json=json.dumps(params, ensure_ascii=False),
                                           label=f"{candidates[index].label} seed={seed}")
            session.add(sets[(index, seed)])
        session.flush()
        task.spec_json = json.dumps({"finder_run": run_id, "round": number,
                                     "param_sets": {str(ps.id): index for (index, _), ps in sets.items()}})
        session.add(task)
        jobs = []
        for probe in plan.probes:
            slot = slots[probe.text_id]
            text = contents[slot.text_id]
            jobs.append(queued_job_row(task_id=task.id, param_set_id=sets[(probe.clip_id, probe.seed)].id,
                                       clip_id=slot.reference, text_id=slot.text_id, text=text.content,
                                       text_lang=text.lang))
        session.execute(insert(Job), jobs)
        session.commit()
        return task.id


def do_probe(ws: Workspace, runner, role: str, run_id: int) -> str:
    """Wait for the current round, or plan and start the next; returns what happened (for the log)."""
    run = runs.load_run(ws, role, run_id)
    spec, task_ids = run.spec, run.task_ids
    with ws.role_session(role) as session:
        waiting = stages.round_waiting(session, runner, role, task_ids)
        if waiting:
            return waiting
        takes, taken, _ = config_takes(session, task_ids)
        last = _candidate_of_sets(session, task_ids[-1:])
    candidates = candidates_of(spec)
    race = sorted(set(last.values())) if task_ids else list(range(len(candidates)))
    anchors = tuple(spec["anchors"]) if spec.get("shape") == "axes" else None
    plan = configs.plan_config_round(
        candidates=candidates, takes=takes, race=race, taken=taken,
        slot_count=len(spec["reference_ids"]) * len(spec["text_ids"]),
        budget_left=spec["budget_jobs"] - sum(taken.values()),
        finalists=spec["finalists"], round_number=len(task_ids) + 1, final_takes=spec["final_takes"],
        cross_anchors=anchors)
    if plan.added:
        spec["candidates"] += [c.as_json() for c in plan.added]
        runs.update_run(ws, role, run_id, spec_json=spec)
    return stages.start_round(ws, runner, role, run_id, task_ids, plan,
                              lambda number: _create_round(ws, role, run_id, spec, plan, number), "candidates")


def ranking_now(ws: Workspace, role: str, run) -> tuple[list[CandidateRow], dict, int]:
    """Rows of every probed candidate (final_round marks the last round's), job counts, weight loads."""
    task_ids = run.task_ids
    with ws.role_session(role) as session:
        takes, taken, engines = config_takes(session, task_ids)
        _, counts = stages.load_takes(session, task_ids)
        last = set(_candidate_of_sets(session, task_ids[-1:]).values())
    rows = configs.rank_candidates(takes, candidates_of(run.spec), sorted(taken))
    return [r.with_final_round(r.index in last) for r in rows], counts, configs.weight_loads(list(engines.values()))


def finalists_of(rows: list[CandidateRow], size: int) -> list[CandidateRow]:
    return [r for r in rows if r.final_round and r.takes][:size]


def do_rank(ws: Workspace, role: str, run_id: int) -> None:
    run = runs.load_run(ws, role, run_id)
    rows, _, _ = ranking_now(ws, role, run)
    runs.update_run(ws, role, run_id, ranking_json=[r.stored() for r in rows], stage="done",
                    shortlist_json=[r.index for r in finalists_of(rows, run.spec["finalists"])])


def _grid_size(spec: dict) -> int:
    """Candidates of the full grid: every GPT x SoVITS pair (an axes search races only some)."""
    if spec["mode"] != "checkpoints":
        return len(spec["candidates"])
    pairs = [c["params"] for c in spec["candidates"]]
    return len({p["gpt"] for p in pairs}) * len({p["sovits"] for p in pairs})


@dataclass(frozen=True)
class ConfigStatus:
    """A configuration run's status: the reference finder's keys (ras.finder.status.FinderStatus), ranking
    rows carrying the candidate for the clip id and the shortlist the finalists' labels; plus the
    recommendation, the weight loads and the failure rate against epoch per axis."""

    run_id: int
    name: str
    stage: str  # probe | rank | done | failed (a configuration run screens nothing)
    error: str
    stop_reason: str
    jobs_total: int  # the budget while probing, the jobs made once the run stopped
    jobs_done: int
    jobs_failed: int
    analysis_failed: int
    eta_seconds: int | None
    screened: tuple[ScreenRow, ...]  # always empty
    ranking: tuple[CandidateRow, ...]
    shortlist: tuple[str, ...]  # the finalists' labels, best first
    task_ids: tuple[int, ...]
    budget_jobs: int | None
    full_grid_jobs: int
    screen_ms_per_clip: float | None
    text_ids: tuple[int, ...]
    shortlist_size: int
    settled: bool  # the run stopped, no probe job is queued or running and every take is analysed
    mode: str  # checkpoints | settings
    recommended: CandidateRow | None  # the top finalist once the run is done
    weight_loads: int
    failure_by_epoch: dict[str, list[EpochPoint]]  # per axis ("gpt", "sovits"); empty for settings
    reference_ids: tuple[int, ...]
    shape: str | None  # grid | axes for checkpoints


def status(*, ws: Workspace, runner, role: str, run_id: int) -> ConfigStatus:
    run = runs.load_run(ws, role, run_id)
    spec = run.spec
    rows, counts, loads = ranking_now(ws, role, run)
    if run.stage == "done":
        rows = [CandidateRow.read(r) for r in run.ranking]
    totals = job_totals(run, counts, runner)
    stopped = run.stage in ("done", "failed")
    finalists = finalists_of(rows, spec["finalists"]) if run.stage != "failed" else []
    pending = counts.get("queued", 0) + counts.get("running", 0) + counts.get("unanalysed", 0)
    return ConfigStatus(
        run_id=run.id, name=run.name, stage=run.stage, error=run.error, stop_reason=run.stop_reason,
        jobs_total=totals.total, jobs_done=totals.finished, jobs_failed=counts.get("failed", 0),
        analysis_failed=counts.get("analysis_failed", 0), eta_seconds=totals.eta_seconds,
        screened=(), ranking=tuple(rows), shortlist=tuple(r.candidate.label for r in finalists),
        task_ids=tuple(run.task_ids), budget_jobs=spec["budget_jobs"],
        full_grid_jobs=configs.full_grid_jobs(_grid_size(spec), len(spec["text_ids"])),
        screen_ms_per_clip=None, text_ids=tuple(spec["text_ids"]), shortlist_size=spec["finalists"],
        settled=stopped and pending == 0, mode=spec["mode"],
        recommended=finalists[0] if run.stage == "done" and finalists else None, weight_loads=loads,
        failure_by_epoch=configs.failure_by_epoch(rows) if spec["mode"] == "checkpoints" else {},
        reference_ids=tuple(spec["reference_ids"]), shape=spec.get("shape") or None)
