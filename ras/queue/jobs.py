"""The job queue's row operations: claim, finish, fail, recover. Rows are the truth."""
from __future__ import annotations

import os
import statistics
from datetime import datetime
from pathlib import Path

from sqlmodel import Session, col, select

from gsv_integration.request import SynthesisRequest, SynthesisResult
from ras.metrics.rate import chars_per_second
from ras.queue.scheduler import JobKey
from ras.queue.task_spec import PARAMETERS
from ras.queue.tasks import RESULTS_DIR
from ras.store.db import get_row
from ras.store.lookups import clip_audio_path
from ras.store.main_tables import utcnow
from ras.store.role_tables import Clip, Job, ParamSet, Task
from ras.store.workspace import Workspace

MAX_ATTEMPTS = 2  # a crash or hang is retried once, then the job fails with the reason
PARTIAL_SUFFIX = ".partial.wav"  # a take being written; soundfile picks the format from the suffix


def result_relpath(task_id: int, job_id: int) -> str:
    return f"{RESULTS_DIR}/{task_id}/{job_id}.wav"


def job_keys(session: Session, task_id: int) -> list[JobKey]:
    """Queued jobs of a task with what the engine must load for them."""
    params = {ps.id: ps.params
              for ps in session.exec(select(ParamSet).where(ParamSet.task_id == task_id)).all()}
    rows = session.exec(select(Job.id, Job.param_set_id, Job.clip_id, Job.reference_json)
                        .where(Job.task_id == task_id, Job.status == "queued")).all()
    keys = []
    for job_id, param_set_id, clip_id, reference_json in rows:
        p = params[param_set_id]
        main = reference_json or clip_id  # a long-text sentence's emotion reference is encoded on its own
        ref = f"{main}+{','.join(map(str, p.get('aux_refs') or []))}"
        keys.append(JobKey(job_id, p.get("gpt", ""), p.get("sovits", ""), ref))
    return keys


def claim(session: Session, job_id: int, worker: str) -> Job | None:
    """queued -> running; None when the job was cancelled or taken meanwhile."""
    job = session.get(Job, job_id)
    if job is None or job.status != "queued":
        return None
    job.status, job.attempts, job.worker, job.started_at = "running", job.attempts + 1, worker, utcnow()
    session.add(job)
    session.commit()
    return job


def build_request(ws: Workspace, role: str, session: Session, job: Job) -> SynthesisRequest:
    params = session.get(ParamSet, job.param_set_id).params
    clip = session.get(Clip, job.clip_id)
    aux = [str(clip_audio_path(ws, role, session.get(Clip, i))) for i in params.get("aux_refs") or []]
    fields = {PARAMETERS[k][0]: v for k, v in params.items() if k != "aux_refs"}
    if job.seed_override is not None:
        fields["seed"] = job.seed_override
    reference = job.reference
    if reference:  # a long-text sentence spoken with a product's emotion: that reference, its text and language
        ref_path = str(ws.role_dir(role) / reference.ref_audio)
        prompt_text, prompt_lang = reference.prompt_text, reference.prompt_lang
    else:
        ref_path, prompt_text, prompt_lang = str(clip_audio_path(ws, role, clip)), clip.text, clip.lang
    return SynthesisRequest(
        text=job.text, text_lang=job.text_lang, ref_audio_path=ref_path,
        prompt_text=prompt_text, prompt_lang=prompt_lang, aux_ref_audio_paths=aux, **fields,
    )


def temp_result_path(final: Path) -> Path:
    return final.with_name(f".{final.stem}{PARTIAL_SUFFIX}")


def finish(session: Session, job: Job, request: SynthesisRequest, result: SynthesisResult, final: Path) -> None:
    """Rename the finished wav into place, then mark the row done: a crash between the
    two leaves a complete file that recovery adopts, never a row pointing at half a file."""
    os.replace(result.wav_path, final)
    job.status, job.error, job.finished_at = "done", "", utcnow()
    job.result_path = result_relpath(job.task_id, job.id)
    job.duration = round(result.duration, 3)
    job.sample_rate = result.sample_rate
    job.chars_per_second = chars_per_second(job.text, result.duration)
    job.synth_seconds = round(result.timings.get("total_s") or result.timings.get("synth_s") or 0.0, 3)
    job.request_json = request.to_json()
    session.add(job)
    session.commit()


def fail_or_retry(session: Session, job: Job, reason: str, *, retry: bool) -> str:
    job.error = reason[:2000]  # the cause comes first; a worker log tail may follow
    job.status = "queued" if retry and job.attempts < MAX_ATTEMPTS else "failed"
    if job.status == "failed":
        job.finished_at = utcnow()
    session.add(job)
    session.commit()
    return job.status


def release(session: Session, job: Job) -> None:
    """running -> queued without using up an attempt: its engine was lost, not the job's fault."""
    job.status, job.attempts, job.worker, job.started_at = "queued", max(0, job.attempts - 1), "", None
    session.add(job)
    session.commit()


def recover_interrupted(ws: Workspace, role: str) -> int:
    """After the web process died: running jobs whose wav landed are done, others queue again,
    and the half-written takes of the jobs it was running are removed."""
    from ras.audio.files import probe_audio

    recovered = 0
    role_dir = ws.role_dir(role)
    for partial in (role_dir / RESULTS_DIR).glob(f"*/.*{PARTIAL_SUFFIX}"):
        partial.unlink(missing_ok=True)
    with ws.role_session(role) as session:
        for job in session.exec(select(Job).where(Job.status == "running")).all():
            final = role_dir / result_relpath(job.task_id, job.id)
            if final.is_file():
                info = probe_audio(final)
                job.status, job.result_path, job.finished_at = "done", result_relpath(job.task_id, job.id), utcnow()
                job.duration, job.sample_rate = round(info.duration, 3), info.sample_rate
                job.chars_per_second = chars_per_second(job.text, info.duration)
            else:
                job.status = "queued"
            session.add(job)
            recovered += 1
        session.commit()
    return recovered


def running_tasks(ws: Workspace, role: str) -> list[int]:
    with ws.role_session(role) as session:
        return list(session.exec(select(Task.id).where(Task.state == "running")).all())


def set_task_state(ws: Workspace, role: str, task_id: int, state: str) -> None:
    with ws.role_session(role) as session:
        task = get_row(session, Task, task_id, "task", role)
        task.state = state
        session.add(task)
        session.commit()


def cancel_queued(ws: Workspace, role: str, task_id: int) -> int:
    with ws.role_session(role) as session:
        jobs = session.exec(select(Job).where(Job.task_id == task_id, Job.status == "queued")).all()
        for job in jobs:
            job.status = "cancelled"
            session.add(job)
        session.commit()
        return len(jobs)


def typical_job_seconds(ws: Workspace, role: str, limit: int = 50) -> float | None:
    """Median engine time of the role's latest finished jobs (for estimates after a restart)."""
    with ws.role_session(role) as session:
        rows = session.exec(select(Job.synth_seconds).where(Job.status == "done", col(Job.synth_seconds).is_not(None))
                            .order_by(col(Job.finished_at).desc()).limit(limit)).all()
    seconds = [r for r in rows if r]
    return statistics.median(seconds) if seconds else None


def rate_per_minute(finished: list[datetime]) -> float | None:
    if len(finished) < 2:
        return None
    span = (max(finished) - min(finished)).total_seconds()
    return (len(finished) - 1) / span * 60 if span > 0 else None
