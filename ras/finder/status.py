"""What a finder run has found so far, and the takes behind a reference: what the page and the API read."""
from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from sqlmodel import col, select

from ras.errors import NotFound
from ras.finder import allocate, emotion_runs, stages
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
    # a run per emotion (ras.finder.emotion_runs): each emotion's shortlist, best first, and its own run
    shortlists: dict[str, tuple[int, ...]] = field(default_factory=dict)
    emotion_runs: dict[str, int] = field(default_factory=dict)
    left_out: dict[str, int] = field(default_factory=dict)  # emotions with too few clips: their clip counts
    emotions: tuple[EmotionStatus, ...] = field(default=(), metadata={"json": None})


@dataclass(frozen=True)
class EmotionStatus:
    """One emotion's run inside a per-emotion run, as the page lists it."""

    emotion: str
    clips: int
    status: FinderStatus


def status(*, ws: Workspace, runner, role: str, run_id: int) -> FinderStatus:
    return _status_of(ws, runner, role, runs.load_run(ws, role, run_id))


def _status_of(ws: Workspace, runner, role: str, run) -> FinderStatus:
    if emotion_runs.is_emotion_run(run.spec):
        return _per_emotion(ws, runner, role, run)
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


def _per_emotion(ws: Workspace, runner, role: str, run) -> FinderStatus:
    """A per-emotion run: its emotions' runs added up, each emotion's shortlist kept apart."""
    clips = run.spec.get("emotion_clips") or {}
    found = [EmotionStatus(emotion, int(clips.get(emotion, 0)), _status_of(ws, runner, role, child))
             for emotion, child in runs.child_runs(ws, role, run).items()]
    each = [e.status for e in found]
    active = [s.stage for s in each if s.stage not in ("done", "failed")]
    stage = run.stage if run.stage in ("done", "failed") or not active else min(active, key=runs.STAGES.index)
    works = [s.work for s in each]
    work = ProbeWork(**{f.name: sum(getattr(w, f.name) or 0 for w in works) for f in fields(ProbeWork)})
    if all(w.budget_for_candidates is None for w in works):
        work = replace(work, budget_for_candidates=None)
    etas = [s.eta_seconds for s in each if s.eta_seconds is not None]
    budgets = [s.budget_jobs for s in each if s.budget_jobs]
    return FinderStatus(
        run_id=run.id, name=run.name, stage=stage, error=run.error, stop_reason="",
        jobs_total=sum(s.jobs_total for s in each), jobs_done=sum(s.jobs_done for s in each),
        jobs_failed=sum(s.jobs_failed for s in each), analysis_failed=sum(s.analysis_failed for s in each),
        eta_seconds=max(etas) if etas else None,  # the emotions' rounds share the engines: the slowest decides
        screened=tuple(r for s in each for r in s.screened), ranking=tuple(r for s in each for r in s.ranking),
        shortlist=tuple(c for s in each for c in s.shortlist), task_ids=tuple(t for s in each for t in s.task_ids),
        budget_jobs=sum(budgets) if budgets else None, full_grid_jobs=sum(s.full_grid_jobs for s in each),
        screen_ms_per_clip=max((s.screen_ms_per_clip or 0 for s in each), default=None) or None,
        text_ids=tuple(run.spec["text_ids"]), shortlist_size=run.spec["shortlist"],
        settled=run.stage in ("done", "failed") and all(s.settled for s in each), work=work,
        named=bool(run.spec.get("name")), shortlists={e.emotion: e.status.shortlist for e in found},
        emotion_runs={e.emotion: e.status.run_id for e in found}, left_out=dict(run.spec.get("left_out") or {}),
        emotions=tuple(found))


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
    return _takes(ws, role, col(Job.task_id).in_(_probe_tasks(ws, role, run_id)), Job.clip_id == int(clip_id))


def probe_take(*, ws: Workspace, role: str, run_id: int, result_id: int) -> ProbeTake:
    """One probe take of this run; NotFound when the run has no such take (any more)."""
    found = _takes(ws, role, col(Job.task_id).in_(_probe_tasks(ws, role, run_id)), Job.id == int(result_id))
    if not found:
        raise NotFound(f"finder run {run_id} in role {role!r} has no finished take {result_id}; pick another take")
    return found[0]


def _probe_tasks(ws: Workspace, role: str, run_id: int) -> list[int]:
    """The run's probe tasks; a per-emotion run's are its emotions' runs' tasks."""
    run = runs.load_run(ws, role, run_id)
    return run.task_ids + [task_id for child in runs.child_runs(ws, role, run).values() for task_id in child.task_ids]


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
