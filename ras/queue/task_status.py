"""What the role DB says of a task's progress: job counts, analysed results, the pace and the last take.

A progress poll reads this every two seconds while a task runs, so it reads only the columns it answers
with (no metrics, no requests). The runner adds what only it knows: running jobs, engines, a disk hold.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import col, select

from ras.queue import jobs
from ras.queue.tasks import status_counts
from ras.store.lookups import get_task
from ras.store.role_tables import Job, Task
from ras.store.workspace import Workspace

RECENT_RESULTS = 20  # finished jobs the pace is measured over


@dataclass(frozen=True)
class StoredProgress:
    task: Task
    counts: dict  # jobs per status, and "total"
    analysed: int  # finished jobs whose analysis is stored
    analysis_failed: int  # finished jobs whose analysis gave up after a retry (settled, without metrics)
    jobs_per_min: float | None  # None before two results
    eta_seconds: int | None
    last_result: dict | None  # {"job_id", "audio", "duration"} of the latest finished job


def stored_progress(*, ws: Workspace, role: str, task_id: int) -> StoredProgress:
    with ws.role_session(role) as session:
        task = get_task(session, role, task_id)
        counts = status_counts(session, task_id)
        analysed, analysis_failed = session.exec(select(
            func.count(Job.id).filter(Job.spectrogram_path != ""),
            func.count(Job.id).filter(Job.analysis_error != "")).where(
            Job.task_id == task_id, Job.status == "done")).one()
        recent = session.exec(select(Job.id, Job.finished_at, Job.result_path, Job.duration)
                              .where(Job.task_id == task_id, Job.status == "done")
                              .order_by(col(Job.finished_at).desc()).limit(RECENT_RESULTS)).all()
    last = recent[0] if recent else None
    rate = jobs.rate_per_minute([j.finished_at for j in recent if j.finished_at])
    return StoredProgress(
        task=task, counts=counts, analysed=analysed, analysis_failed=analysis_failed,
        jobs_per_min=round(rate, 2) if rate else None,
        eta_seconds=round((counts["queued"] + counts["running"]) / rate * 60) if rate else None,
        last_result={"job_id": last.id, "audio": str(ws.role_dir(role) / last.result_path),
                     "duration": last.duration} if last else None)
