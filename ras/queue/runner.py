"""Runs queued jobs through the engines: one thread per engine, supervised.

The queue is the job rows. A worker thread takes the cheapest next job for its
engine's loaded state (ras.queue.scheduler), runs it with a timeout, and records the
outcome. A crashed or hung engine is killed and restarted by its engine class;
the job is retried once, then failed with the reason. A server of the pool that
stops answering (or answers garbage) is set aside (ras.queue.engine_pool) and
its job in flight goes back to the queue for the others, without counting as an
attempt; it takes jobs again once it answers. When the disk under the roles folder
fills up, the role's tasks wait, without using an attempt, and continue by
themselves once space is freed (ras.queue.disk_hold). Killing the web process
loses nothing finished: on start-up, interrupted jobs are recovered and tasks
that were running resume. A task's progress is read from its rows
(ras.queue.task_status) and what is running now.
"""
from __future__ import annotations

import collections
import logging
import statistics
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass

from gsv_integration.engine import Engine, EngineError, EngineMisbehaving, SynthesisInputError
from ras.queue import jobs, versions
from ras.queue.disk_hold import DiskHold
from ras.queue.engine_health import EngineReport
from ras.queue.engine_pool import EnginePool, RunningJob, Worker, first_line
from ras.queue.scheduler import EngineState, JobKey, Scheduler
from ras.queue.task_status import TaskStatus, stored_progress
from ras.queue.versions import VersionChange, recorded_versions
from ras.store.disk_space import is_disk_full
from ras.store.lookups import get_task
from ras.store.role_tables import Job
from ras.store.workspace import Workspace

log = logging.getLogger("ras.queue.runner")
FIRST_JOB_TIMEOUT = 600.0  # before any job finished: model loading on a cold GPU can be slow
MODEL_SWITCH_ALLOWANCE = 300.0


@dataclass(frozen=True)
class TaskStarted:
    task_id: int
    status: str  # running, or done when nothing was queued
    warning: str  # e.g. GPT-SoVITS changed since the task was created; "" otherwise
    version_change: VersionChange | None


@dataclass(frozen=True)
class TaskCancelled:
    task_id: int
    status: str


class Runner:
    def __init__(self, ws: Workspace, engine_factory: Callable[[], list[Engine]], *,
                 job_timeout: float | None = None, on_result: Callable[[str, int], None] | None = None,
                 code_version: Callable[[], str] | None = None,
                 in_analysis: Callable[[str], Collection[int]] | None = None):
        """in_analysis(role): ids of the role's results the analysis step holds now (Analyzer.in_flight):
        a task is not settled while what follows a result's analysis (a re-roll) may still add jobs."""
        self.ws = ws
        self.code_version = code_version  # the GPT-SoVITS version the engines run (Backend.code_version)
        self._in_analysis = in_analysis
        self.job_timeout = job_timeout
        self._listeners: list[Callable[[str, int], None]] = [on_result] if on_result else []
        self._start_listeners: list[Callable[[str, int], None]] = []
        self._lock = threading.Condition()
        self._active: dict[tuple[str, int], Scheduler] = {}
        self._recent_seconds: collections.deque[float] = collections.deque(maxlen=50)
        self._log: collections.deque[str] = collections.deque(maxlen=300)
        self._stopping = False
        self.pool = EnginePool(engine_factory, self._lock, self._say, lambda: self._stopping)
        self.disk_hold = DiskHold(ws)

    # ------------------------------------------------------------------ control
    def resume_interrupted(self) -> list[tuple[str, int]]:
        """Start-up: recover jobs the last process left running; resume running tasks."""
        resumed = []
        for role in self.ws.role_names():
            if jobs.recover_interrupted(self.ws, role):
                self._say(f"{role}: recovered interrupted jobs")
            for task_id in jobs.running_tasks(self.ws, role):
                try:
                    self.run_task(role, task_id)
                    resumed.append((role, task_id))
                except Exception as exc:  # noqa: BLE001 - a missing engine must not stop start-up
                    self._say(f"{role} task {task_id}: not resumed ({exc})")
        return resumed

    def run_task(self, role: str, task_id: int) -> TaskStarted:
        task_id = int(task_id)
        with self.ws.role_session(role) as session:
            get_task(session, role, task_id)
            keys = jobs.job_keys(session, task_id)
        if not keys:
            jobs.set_task_state(self.ws, role, task_id, "idle")
            return TaskStarted(task_id=task_id, status="done", warning="", version_change=None)
        change = versions.check_before_run(ws=self.ws, role=role, task_id=task_id,
                                           current=self.code_version() if self.code_version else "")
        if change is not None:
            self._say(f"{role} task {task_id}: {change.message()}")
        self._ensure_workers()
        jobs.set_task_state(self.ws, role, task_id, "running")
        with self._lock:
            if (role, task_id) not in self._active:
                self._active[(role, task_id)] = Scheduler(keys)
                self._say(f"{role} task {task_id}: {len(keys)} jobs queued")
            self._lock.notify_all()
        _tell(self._start_listeners, "start", role, "task", task_id)
        return TaskStarted(task_id=task_id, status="running", warning=change.message() if change else "",
                           version_change=change)

    def add_jobs(self, role: str, task_id: int, job_ids: list[int]) -> TaskStarted:
        """Queue new rows of a task (e.g. re-rolled takes): into its running queue, or start it again."""
        task_id = int(task_id)
        with self.ws.role_session(role) as session:
            keys = [k for k in jobs.job_keys(session, task_id) if k.job_id in set(job_ids)]
        with self._lock:
            scheduler = self._active.get((role, task_id))
            if scheduler is not None:
                for key in keys:
                    scheduler.add(key)
                self._lock.notify_all()
                return TaskStarted(task_id=task_id, status="running", warning="", version_change=None)
        return self.run_task(role, task_id)

    def cancel_task(self, role: str, task_id: int) -> TaskCancelled:
        """Queued jobs are cancelled; a job already running finishes first."""
        task_id = int(task_id)
        with self._lock:
            self._active.pop((role, task_id), None)
        cancelled = jobs.cancel_queued(self.ws, role, task_id)
        jobs.set_task_state(self.ws, role, task_id, "idle")
        self._say(f"{role} task {task_id}: cancelled {cancelled} queued jobs")
        return TaskCancelled(task_id=task_id, status="cancelled")

    def shutdown(self) -> None:
        with self._lock:
            self._stopping = True
            self._lock.notify_all()
        self.pool.close()

    def synthesize_now(self, request, out_path: str, *, timeout: float | None = None):
        """One synthesis outside the queue (TTS by product). The engine's own lock runs it
        between two queued jobs; the least busy engine is used."""
        self._ensure_workers()
        worker = self.pool.least_busy()
        return worker.engine.synthesize(request, out_path, timeout=timeout or FIRST_JOB_TIMEOUT)

    def add_result_listener(self, listener: Callable[[str, int], None]) -> None:
        """Called with (role, job_id) after each finished job (analysis, long-text joining...)."""
        self._listeners.append(listener)

    def add_start_listener(self, listener: Callable[[str, int], None]) -> None:
        """Called with (role, task_id) each time a task's jobs are queued to run, before the first
        of them starts (e.g. to get analysis ready while the engines load)."""
        self._start_listeners.append(listener)

    # ------------------------------------------------------------------ status
    def is_active(self, role: str, task_id: int) -> bool:
        """The task has jobs in this runner's queue (its stored state may lag behind)."""
        with self._lock:
            return (role, int(task_id)) in self._active

    def status(self, role: str, task_id: int) -> TaskStatus:
        task_id = int(task_id)
        stored = stored_progress(ws=self.ws, role=role, task_id=task_id,
                                 in_analysis=self._in_analysis(role) if self._in_analysis else ())
        active, counts = self.is_active(role, task_id), stored.counts
        made_with = recorded_versions(stored.task)
        return TaskStatus(
            task_id=task_id, state="running" if active else stored.task.state,
            total=counts.total, queued=counts.queued, running=counts.running, done=counts.done,
            failed=counts.failed, cancelled=counts.cancelled,
            # a finished result is analysed, or its analysis failed (gave up after a retry), or still pending
            analysed=stored.analysed, analysis_failed=stored.analysis_failed,
            settled=(not active and counts.queued == counts.running == 0 and stored.in_analysis == 0
                     and stored.analysed + stored.analysis_failed >= counts.done),
            added_takes=stored.added_takes, jobs_per_min=stored.jobs_per_min, eta_seconds=stored.eta_seconds,
            current=tuple(self.pool.running(role, task_id)), engines=tuple(self.engines()),
            paused=self.paused_reason(role), gsv_version=made_with.gsv_version,
            weight_versions=made_with.weight_versions, last_result=stored.last_result)

    def paused_reason(self, role: str) -> str:
        """Why the role's tasks wait ("disk full: ..."), or "" when they do not."""
        return self.disk_hold.reason(role)

    def engines(self) -> list[EngineReport]:
        """Each engine of the pool: its name, state (ok, down, quarantined) and why it is set aside."""
        return self.pool.reports()

    def log_tail(self, lines: int = 40) -> str:
        with self._lock:
            own = list(self._log)[-lines:]
        return "\n".join(own + self.pool.log_tails(lines // 2))

    def engine_states(self) -> dict[str, str]:
        """Started engines by name: "busy" while running a job, else "idle"."""
        return self.pool.states()

    def median_job_seconds(self) -> float | None:
        with self._lock:
            return statistics.median(self._recent_seconds) if self._recent_seconds else None

    # ------------------------------------------------------------------ workers
    def _ensure_workers(self) -> None:
        self.pool.start(self._work)

    def _say(self, line: str) -> None:
        log.info(line)
        with self._lock:
            self._log.append(time.strftime("%H:%M:%S ") + line)

    def _next(self, worker: Worker) -> tuple[str, int, JobKey] | None:
        with self._lock:
            others = self.pool.loaded_elsewhere(worker)
            for (role, task_id), scheduler in list(self._active.items()):
                if self.disk_hold.holds(role):
                    continue
                key = scheduler.next(worker.state, avoid=others)
                if key is not None:
                    return role, task_id, key
            return None

    def _work(self, worker: Worker) -> None:
        while True:
            with self._lock:
                if self._stopping:
                    return
            if not worker.health.usable:
                self.pool.wait_for_recovery(worker)
                continue
            self._resume_if_space()
            picked = self._next(worker)
            if picked is None:
                self._finish_idle_tasks()
                with self._lock:
                    if not self._stopping:
                        self._lock.wait(timeout=1.0)
                continue
            try:
                self._run_job(worker, *picked)
            except Exception as exc:  # a worker thread must survive anything
                if is_disk_full(exc):
                    self._wait_for_space(*picked)
                    continue
                log.exception("worker %s: unexpected error", worker.name)
                self._say(f"{worker.name}: unexpected error {exc}")
                self._fail_claimed(worker, picked, exc)
            finally:
                with self._lock:
                    worker.current = None

    def _wait_for_space(self, role: str, task_id: int, key: JobKey) -> None:
        """The disk is full: the job goes back to the scheduler now and to the queue in the DB once
        there is room to write that down; the role's tasks take no jobs until then."""
        message = self.disk_hold.hold(role, key.job_id)
        with self._lock:
            scheduler = self._active.get((role, task_id))
            if scheduler is not None:
                scheduler.add(key)
        if message:
            self._say(f"{role}: {message}")

    def _resume_if_space(self) -> None:
        for role in self.disk_hold.release_where_space():
            with self._lock:
                self._lock.notify_all()
            self._say(f"{role}: space freed, the task continues")

    def _fail_claimed(self, worker: Worker, picked: tuple[str, int, JobKey], exc: Exception) -> None:
        """A job this worker claimed must not stay "running" after an error outside the engine's own
        (e.g. the disk filled up while its result was written): it fails with the reason."""
        role, _, key = picked
        try:
            with self.ws.role_session(role) as session:
                row = session.get(Job, key.job_id)
                if row is not None and row.status == "running" and row.worker == worker.name:
                    jobs.fail_or_retry(session, row, f"{type(exc).__name__}: {exc}", retry=False)
        except Exception:  # the DB itself may be what failed; start-up recovery remains
            log.exception("could not mark job %s failed", key.job_id)

    def _finish_idle_tasks(self) -> None:
        """A task whose scheduler is empty and that has no running job is done."""
        with self._lock:
            busy = self.pool.busy_tasks()
            done = [k for k, s in self._active.items() if len(s) == 0 and k not in busy]
            for key in done:
                del self._active[key]
        for role, task_id in done:
            jobs.set_task_state(self.ws, role, task_id, "idle")
            self._say(f"{role} task {task_id}: finished")

    def _timeout(self, worker: Worker, key: JobKey) -> float:
        if self.job_timeout:
            return self.job_timeout
        median = self.median_job_seconds()
        if median is None:
            return FIRST_JOB_TIMEOUT
        switching = key.gpt != worker.state.gpt or key.sovits != worker.state.sovits
        return max(60.0, 10 * median) + (MODEL_SWITCH_ALLOWANCE if switching else 0.0)

    def _run_job(self, worker: Worker, role: str, task_id: int, key: JobKey) -> None:
        with self.ws.role_session(role) as session:
            job = jobs.claim(session, key.job_id, worker.name)
            if job is None:
                return
            try:
                request = jobs.build_request(self.ws, role, session, job)
            except Exception as exc:  # noqa: BLE001 - e.g. a deleted clip: the job fails, the run goes on
                jobs.fail_or_retry(session, job, f"cannot build the request: {exc}", retry=False)
                return
        with self._lock:
            worker.current = RunningJob(worker=worker.name, role=role, task_id=task_id, job_id=job.id,
                                        ref=request.ref_audio_path, gpt=request.gpt_weights or "",
                                        sovits=request.sovits_weights or "")
        final = self.ws.role_dir(role) / jobs.result_relpath(task_id, job.id)
        final.parent.mkdir(parents=True, exist_ok=True)
        temp = jobs.temp_result_path(final)
        started = time.monotonic()
        try:
            result = worker.engine.synthesize(request, str(temp), timeout=self._timeout(worker, key))
        except EngineError as exc:
            temp.unlink(missing_ok=True)
            if is_disk_full(exc):
                raise  # the worker loop makes the role's tasks wait for space
            retry = not isinstance(exc, SynthesisInputError)  # crashed, hung or failed at run time
            if retry:
                worker.state = EngineState()  # the engine restarts with nothing loaded
            # a server that stopped answering may come back, so its job waits for it or goes to another one;
            # one that answers garbage keeps doing so: with no healthy engine left, its job fails with the reason
            waits = self.pool.others_healthy(worker) or not isinstance(exc, EngineMisbehaving)
            if retry and waits and self.pool.engine_lost(worker, exc) and self._release(worker, role, job, key, exc):
                return
            self._record_failure(worker, role, job, key, exc, retry=retry)
            return
        except BaseException:
            temp.unlink(missing_ok=True)  # e.g. the disk filled up while the take was written
            raise
        with self.ws.role_session(role) as session:
            job = session.get(Job, job.id)
            jobs.finish(session, job, request, result, final)
        worker.state.apply(key)
        with self._lock:
            self._recent_seconds.append(time.monotonic() - started)
        self._say(f"{worker.name}: job {job.id} done ({job.duration:.2f} s audio)")
        _tell(self._listeners, "result", role, "job", job.id)

    def _release(self, worker: Worker, role: str, job: Job, key: JobKey, exc: Exception) -> bool:
        """The engine was lost under the job: queue it again for the others, not as a used attempt.
        False when this job has already outlived several engines (it may be what kills them)."""
        if not self.pool.may_release(job.id):
            return False
        with self._lock:
            scheduler = self._active.get((role, job.task_id))
        with self.ws.role_session(role) as session:
            jobs.release(session, session.get(Job, job.id))
        if scheduler is not None:
            with self._lock:
                scheduler.add(key)
                self._lock.notify_all()
        self._say(f"{worker.name}: job {job.id} goes back to the queue ({first_line(exc)[:200]})")
        return True

    def _record_failure(self, worker: Worker, role: str, job: Job, key: JobKey, exc: Exception, *, retry: bool):
        reason = f"{type(exc).__name__}: {exc}"
        with self._lock:
            scheduler = self._active.get((role, job.task_id))
        with self.ws.role_session(role) as session:
            row = session.get(Job, job.id)
            status = jobs.fail_or_retry(session, row, reason, retry=retry and scheduler is not None)
        if status == "queued":
            with self._lock:
                scheduler.add(key)
        self._say(f"{worker.name}: job {job.id} {'will be retried' if status == 'queued' else 'failed'}: "
                  f"{reason.splitlines()[0][:300]}")


def _tell(listeners: list[Callable[[str, int], None]], kind: str, role: str, what: str, number: int) -> None:
    """Call each listener with (role, number); one that fails is logged and the others still run."""
    for listener in listeners:
        try:
            listener(role, number)
        except Exception:  # a listener's failure is not the task's or the job's
            log.exception("%s listener failed for %s %s %s", kind, role, what, number)
