"""One step of a configuration run per call (plan or wait for a round, rank), and its status.

As for references (ras.finder.stages), each round is a hidden task on the normal queue; its
parameter sets are (candidate, seed) pairs, so the queue's scheduler loads each weight pair once
per round and keeps what an engine has loaded across rounds. The task's spec maps each
parameter set to its candidate, so a restarted RAS reads the race back from the job rows.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field

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


@dataclass(frozen=True)
class _Probed:
    """What a configuration run's rounds made so far, read in one pass over their tasks and jobs."""

    takes: list[rank.Take]  # the candidate's index as their id
    taken: dict[int, int]  # jobs made per candidate
    engines: dict[str, list]  # per engine the (gpt, sovits) of its started jobs in the order they ran
    counts: dict[str, int]  # per status, and the takes waiting for or failed in analysis (stages.job_counts)
    last_round: set[int]  # the candidates the last round raced


def _candidates_by_task(session, task_ids: list[int]) -> dict[int, dict[int, int]]:
    """Per round task, each parameter set's candidate index."""
    tasks = session.exec(select(Task).where(col(Task.id).in_(task_ids))).all() if task_ids else []
    return {t.id: {int(ps): int(index) for ps, index in t.spec.get("param_sets", {}).items()} for t in tasks}


def candidate_of_sets(session, task_ids: list[int]) -> dict[int, int]:
    """Each parameter set of these rounds -> the candidate index it probes."""
    return {ps: index for sets in _candidates_by_task(session, task_ids).values() for ps, index in sets.items()}


def _probed(session, task_ids: list[int]) -> _Probed:
    if not task_ids:
        return _Probed([], {}, {}, {}, set())
    by_task = _candidates_by_task(session, task_ids)
    candidate_of = {ps: index for sets in by_task.values() for ps, index in sets.items()}
    sets = stages.param_sets(session, task_ids)
    rows = stages.job_rows(session, task_ids, col(Job.started_at), col(Job.id))
    takes, taken, engines = [], defaultdict(int), defaultdict(list)
    for row in rows:
        index = candidate_of.get(row.param_set_id)
        if index is None:
            continue
        taken[index] += 1
        params = sets.get(row.param_set_id, {})
        if row.started_at is not None:
            engines[row.worker].append((params.get("gpt", ""), params.get("sovits", "")))
        take = stages.take_of(row, index, params.get("seed"))
        if take is not None:
            takes.append(take)
    return _Probed(takes, dict(taken), dict(engines), stages.job_counts(rows),
                  set(by_task.get(task_ids[-1], {}).values()))


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
        found = _probed(session, task_ids)
    takes, taken = found.takes, found.taken
    candidates = candidates_of(spec)
    race = sorted(found.last_round) if task_ids else list(range(len(candidates)))
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


def _ranking_of(found: _Probed, spec: dict) -> list[CandidateRow]:
    """Rows of every probed candidate, best first (final_round marks the last round's)."""
    rows = configs.rank_candidates(found.takes, candidates_of(spec), sorted(found.taken))
    return [r.with_final_round(r.index in found.last_round) for r in rows]


def _probed_run(ws: Workspace, role: str, run) -> _Probed:
    with ws.role_session(role) as session:
        return _probed(session, run.task_ids)


def finalists_of(rows: list[CandidateRow], size: int) -> list[CandidateRow]:
    return [r for r in rows if r.final_round and r.takes][:size]


def do_rank(ws: Workspace, role: str, run_id: int) -> None:
    run = runs.load_run(ws, role, run_id)
    rows = _ranking_of(_probed_run(ws, role, run), run.spec)
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
    # a reference run's per-emotion keys, empty here: a configuration run races one reference set
    shortlists: dict[str, tuple[int, ...]] = field(default_factory=dict)
    emotion_runs: dict[str, int] = field(default_factory=dict)
    left_out: dict[str, int] = field(default_factory=dict)


def status(*, ws: Workspace, runner, role: str, run_id: int) -> ConfigStatus:
    run = runs.load_run(ws, role, run_id)
    spec = run.spec
    found = _probed_run(ws, role, run)
    counts = found.counts
    rows = [CandidateRow.read(r) for r in run.ranking] if run.stage == "done" else _ranking_of(found, spec)
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
        recommended=finalists[0] if run.stage == "done" and finalists else None,
        weight_loads=configs.weight_loads(list(found.engines.values())),
        failure_by_epoch=configs.failure_by_epoch(rows) if spec["mode"] == "checkpoints" else {},
        reference_ids=tuple(spec["reference_ids"]), shape=spec.get("shape") or None)
