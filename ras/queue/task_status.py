"""A task's progress: job counts, analysed results, the pace, the last take, and whether it is settled.

A progress poll reads this every two seconds while a task runs, so it reads only the columns it answers
with (no metrics, no requests). The runner adds what only it knows: running jobs, engines, a disk hold,
and which results are still in the analysis step.
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func
from sqlmodel import col, select

from ras.queue import jobs
from ras.queue.engine_health import EngineReport
from ras.queue.engine_pool import RunningJob
from ras.queue.tasks import JobCounts, status_counts
from ras.queue.versions import RecordedVersions, WeightVersion
from ras.store.lookups import get_task
from ras.store.role_tables import Job, Task
from ras.store.workspace import Workspace

RECENT_RESULTS = 20  # finished jobs the pace is measured over
STALE_PACE = 2.0  # no result for this many times the usual gap between results: the pace is not trusted


@dataclass(frozen=True)
class LastResult:
    """The latest finished job of a task: the infer tab plays it."""

    job_id: int
    audio: str
    duration: float | None


@dataclass(frozen=True)
class StoredProgress:
    task: Task
    counts: JobCounts
    analysed: int  # finished jobs whose analysis is stored
    analysis_failed: int  # finished jobs whose analysis gave up after a retry (settled, without metrics)
    added_takes: int  # jobs that are one more take of a setting on a text the task already had
    in_analysis: int  # finished jobs the analysis step holds now (stored, but what follows may add jobs)
    jobs_per_min: float | None  # None before two results
    eta_seconds: int | None  # None before two results, or when the pace measured no longer holds
    last_result: LastResult | None


@dataclass(frozen=True)
class TaskStatus:
    """/task_status: the counts, what runs now and whether anything more will happen by itself."""

    task_id: int
    state: str  # running | idle
    total: int
    queued: int
    running: int
    done: int
    failed: int
    cancelled: int
    analysed: int  # finished results whose analysis is stored
    analysis_failed: int  # finished results analysis gave up on (each says why in /list_results)
    # nothing more happens without a person: no job queued or running, every result analysed or
    # its analysis failed, and nothing the analysis step triggers (a re-roll) still to come
    settled: bool
    added_takes: int  # jobs added after the task was made: more takes of a setting on a text it has
    jobs_per_min: float | None
    eta_seconds: int | None
    current: tuple[RunningJob, ...]
    engines: tuple[EngineReport, ...]
    paused: str  # why the role's tasks wait (disk full), or ""
    gsv_version: str | None
    weight_versions: tuple[WeightVersion, ...] | None
    last_result: LastResult | None

    @property
    def versions(self) -> RecordedVersions:
        return RecordedVersions(self.gsv_version, self.weight_versions)

    @property
    def pending_analysis(self) -> int:
        """Finished results the analysis has neither stored nor given up on."""
        return max(0, self.done - self.analysed - self.analysis_failed)


def stored_progress(*, ws: Workspace, role: str, task_id: int, in_analysis: Collection[int] = ()) -> StoredProgress:
    """in_analysis: ids of the role's results the analysis step holds now (Analyzer.in_flight)."""
    with ws.role_session(role) as session:
        task = get_task(session, role, task_id)
        counts = JobCounts(**status_counts(session, task_id))
        analysed, analysis_failed = session.exec(select(
            func.count(Job.id).filter(Job.spectrogram_path != ""),
            func.count(Job.id).filter(Job.analysis_error != "")).where(
            Job.task_id == task_id, Job.status == "done")).one()
        recent = session.exec(select(Job.id, Job.finished_at, Job.result_path, Job.duration)
                              .where(Job.task_id == task_id, Job.status == "done")
                              .order_by(col(Job.finished_at).desc()).limit(RECENT_RESULTS)).all()
        held = _held_by_analysis(session, task_id, in_analysis)
        added = counts.total - _distinct_takes(session, task_id)
    last = recent[0] if recent else None
    finished = [j.finished_at for j in recent if j.finished_at]
    rate = jobs.rate_per_minute(finished)
    return StoredProgress(
        task=task, counts=counts, analysed=analysed, analysis_failed=analysis_failed, added_takes=added,
        in_analysis=held, jobs_per_min=round(rate, 2) if rate else None,
        eta_seconds=eta_from_pace(counts.queued + counts.running, rate, max(finished) if finished else None),
        last_result=LastResult(job_id=last.id, audio=str(ws.role_dir(role) / last.result_path),
                               duration=last.duration) if last else None)


def _held_by_analysis(session, task_id: int, in_analysis: Collection[int]) -> int:
    if not in_analysis:
        return 0
    return session.exec(select(func.count(Job.id)).where(Job.task_id == task_id,
                                                         col(Job.id).in_(list(in_analysis)))).one()


def _distinct_takes(session, task_id: int) -> int:
    """How many (setting, reference, text) a task's jobs cover: each job beyond one per such triple is a
    take added later (a blind test's deciding round, an autopilot re-roll, a finder round's copy)."""
    triples = select(Job.param_set_id, Job.clip_id, Job.text).where(Job.task_id == task_id).distinct().subquery()
    return session.exec(select(func.count()).select_from(triples)).one()


def eta_from_pace(remaining: int, rate: float | None, last_finished: datetime | None) -> int | None:
    """Seconds left at the measured pace, counted down from the last result. None when the wait since that
    result is well past what the pace predicts: the pace no longer holds (a model is loading, an engine is
    down), and a count-down stuck at 0 s would mislead."""
    if not rate or not remaining or last_finished is None:
        return None
    per_job = 60 / rate
    since = (datetime.now(UTC) - _aware(last_finished)).total_seconds()
    left = remaining * per_job - since
    if since > STALE_PACE * per_job or left <= 0:
        return None
    return round(left)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
