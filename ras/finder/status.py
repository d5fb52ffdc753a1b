"""What a finder run has found so far, and the takes behind a reference: what the page and the API read."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import col, select

from ras.errors import NotFound
from ras.finder import allocate, stages
from ras.finder import run as runs
from ras.finder.rank import RankRow
from ras.finder.reasons import Reason
from ras.finder.screen import ScreenRow
from ras.store.role_tables import Job, ParamSet
from ras.store.workspace import Workspace

FINISHED = ("done", "failed", "cancelled")


@dataclass(frozen=True)
class JobTotals:
    """A run's job counts as its progress bar reads them (reference and configuration runs alike)."""

    made: int  # probe jobs created so far, over every round
    finished: int
    total: int  # the budget while probing, the jobs made once the run stopped
    eta_seconds: int | None  # while probing, when the engines' median job time is known


def job_totals(run, counts: dict[str, int], runner) -> JobTotals:
    """From the per-status counts of the run's probe jobs (cancelled ones count as finished)."""
    made = sum(counts.get(k, 0) for k in ("queued", "running", *FINISHED))
    finished = sum(counts.get(k, 0) for k in FINISHED)
    total = made if run.stage in ("done", "failed") else max(made, run.spec.get("budget_jobs") or 0)
    seconds = runner.median_job_seconds() if runner is not None else None
    return JobTotals(made, finished, total,
                     round((total - finished) * seconds) if seconds and run.stage == "probe" else None)


@dataclass(frozen=True)
class ProbeWork:
    """Where the probing stands, in the counts a person needs to read the progress line."""

    queued: int
    running: int
    awaiting_analysis: int  # finished takes whose analysis has neither landed nor failed
    jobs_made: int  # probe jobs created so far, over every round
    rounds: int
    clips: int  # clips screened
    candidates: int  # clips screening left in (forced ones included)
    budget_for_candidates: int | None  # the default budget was set for this many candidates; None: given
    budget_added: int  # jobs added to the budget for clips forced back in after the run stopped


@dataclass(frozen=True)
class FinderStatus:
    run_id: int
    name: str
    stage: str  # screen | probe | rank | done | failed
    error: str
    stop_reason: str
    jobs_total: int  # the budget while probing, the jobs made once the run stopped
    jobs_done: int
    jobs_failed: int
    analysis_failed: int
    eta_seconds: int | None
    screened: tuple[ScreenRow, ...]
    ranking: tuple[RankRow, ...]  # the shortlist first, then every other row with why it is not in it
    shortlist: tuple[int, ...]
    task_ids: tuple[int, ...]
    budget_jobs: int | None
    full_grid_jobs: int
    screen_ms_per_clip: float | None
    text_ids: tuple[int, ...]
    shortlist_size: int
    settled: bool  # nothing more will happen without a person: the run stopped and every take is analysed
    work: ProbeWork = field(metadata={"json": None})
    stop: Reason | None = field(default=None, metadata={"json": None})  # stop_reason with its code
    named: bool = field(default=False, metadata={"json": None})  # the person named the run


def status(*, ws: Workspace, runner, role: str, run_id: int) -> FinderStatus:
    run = runs.load_run(ws, role, run_id)
    spec = run.spec
    found = stages.ranked(ws, role, run)
    counts = found.counts
    totals = job_totals(run, counts, runner)
    stopped = run.stage in ("done", "failed")
    screened = tuple(ScreenRow.read(r) for r in run.screened)
    candidates = sum(1 for r in screened if not r.excluded)
    work = ProbeWork(queued=counts.get("queued", 0), running=counts.get("running", 0),
                     awaiting_analysis=counts.get("unanalysed", 0), jobs_made=totals.made, rounds=len(run.task_ids),
                     clips=len(screened), candidates=candidates,
                     budget_for_candidates=spec.get("budget_for_candidates"), budget_added=spec.get("budget_added", 0))
    return FinderStatus(
        run_id=run.id, name=run.name, stage=run.stage, error=run.error, stop_reason=run.stop_reason,
        jobs_total=totals.total, jobs_done=totals.finished, jobs_failed=counts.get("failed", 0),
        analysis_failed=counts.get("analysis_failed", 0), eta_seconds=totals.eta_seconds,
        screened=screened, ranking=tuple(found.rows), shortlist=tuple(found.shortlist), task_ids=tuple(run.task_ids),
        budget_jobs=spec.get("budget_jobs"), full_grid_jobs=allocate.full_grid_jobs(candidates, len(spec["text_ids"])),
        screen_ms_per_clip=spec.get("screen_ms_per_clip"), text_ids=tuple(spec["text_ids"]),
        shortlist_size=spec["shortlist"],
        settled=stopped and not (work.queued or work.running or work.awaiting_analysis),
        work=work, stop=allocate.stop_reason_of(run.stop_reason), named=bool(spec.get("name")))


@dataclass(frozen=True)
class ProbeTake:
    """One probe take of a reference, as the page lists and plays it."""

    result_id: int
    text: str
    seed: int | None
    status: str
    auto_score: float | None
    flags: tuple[str, ...]
    duration: float | None
    error: str
    analysis_error: str | None
    audio: Path | None
    spectrogram: Path | None


def clip_takes(*, ws: Workspace, role: str, run_id: int, clip_id: int) -> list[ProbeTake]:
    """A reference's probe takes in this run, best auto score first (the page plays them)."""
    run = runs.load_run(ws, role, run_id)
    return _takes(ws, role, col(Job.task_id).in_(run.task_ids), Job.clip_id == int(clip_id))


def probe_take(*, ws: Workspace, role: str, run_id: int, result_id: int) -> ProbeTake:
    """One probe take of this run; NotFound when the run has no such take (any more)."""
    run = runs.load_run(ws, role, run_id)
    found = _takes(ws, role, col(Job.task_id).in_(run.task_ids), Job.id == int(result_id))
    if not found:
        raise NotFound(f"finder run {run_id} in role {role!r} has no finished take {result_id}; pick another take")
    return found[0]


def _takes(ws: Workspace, role: str, *where) -> list[ProbeTake]:
    role_dir = ws.role_dir(role)
    with ws.role_session(role) as session:
        rows = session.exec(select(Job).where(*where, col(Job.status).in_(("done", "failed")))
                            .order_by(col(Job.auto_score).is_(None), col(Job.auto_score).desc(), col(Job.id))).all()
        seeds = {ps.id: ps.params.get("seed") for ps in session.exec(
            select(ParamSet).where(col(ParamSet.id).in_({j.param_set_id for j in rows}))).all()}
    return [ProbeTake(result_id=j.id, text=j.text, seed=seeds.get(j.param_set_id), status=j.status,
                      auto_score=j.auto_score, flags=tuple(j.flags), duration=j.duration, error=j.error[:200],
                      analysis_error=j.analysis_error or None,
                      audio=role_dir / j.result_path if j.result_path else None,
                      spectrogram=role_dir / j.spectrogram_path if j.spectrogram_path else None) for j in rows]
