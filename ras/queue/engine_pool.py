"""The runner's engines: one Worker per engine, each with its loaded state and its health.

An engine that can be unreachable (a server) is probed after a failure: one that does not answer is set
aside as down, one that answered garbage is quarantined (ras.queue.engine_health), and the job it was
running goes back to the queue for the others without using an attempt, unless that job has already
outlived several engines (it may be what kills them). A set-aside engine takes jobs again once it answers.
"""
from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from gsv_integration.engine import Engine, EngineError, EngineMisbehaving
from ras.queue.engine_health import MAX_ENGINE_LOSSES_PER_JOB, EngineHealth, EngineReport
from ras.queue.scheduler import EngineState


@dataclass(frozen=True)
class RunningJob:
    """A job an engine is running now, for the progress view."""

    worker: str  # the engine's name
    role: str
    task_id: int
    job_id: int
    ref: str  # the reference audio's path
    gpt: str  # the weight files it loaded ("" for the engine's default)
    sovits: str


@dataclass
class Worker:
    name: str
    engine: Engine
    state: EngineState = field(default_factory=EngineState)
    health: EngineHealth = field(default_factory=EngineHealth)
    current: RunningJob | None = None  # what it is running now


class EnginePool:
    """The workers, guarded by the runner's lock (a re-entrant condition the runner's threads wait on)."""

    def __init__(self, engine_factory: Callable[[], list[Engine]], lock: threading.Condition,
                 say: Callable[[str], None], stopping: Callable[[], bool]):
        self.engine_factory = engine_factory
        self.workers: list[Worker] = []
        self._threads: list[threading.Thread] = []
        self._lock, self._say, self._stopping = lock, say, stopping
        self._engine_losses: collections.Counter[int] = collections.Counter()  # job id -> engines lost under it

    def start(self, work: Callable[[Worker], None]) -> None:
        """Make the engines and run `work(worker)` on a thread of its own for each, once."""
        with self._lock:
            if self.workers:
                return
            self.workers = [Worker(engine.name, engine) for engine in self.engine_factory()]
            for worker in self.workers:
                thread = threading.Thread(target=work, args=(worker,), daemon=True, name=f"ras-{worker.name}")
                self._threads.append(thread)
                thread.start()

    def close(self) -> None:
        """After the runner said stop: wait for the threads, then close the engines."""
        for thread in self._threads:
            thread.join(timeout=5)
        for worker in self.workers:
            worker.engine.close()

    # ------------------------------------------------------------------ who does what
    def least_busy(self) -> Worker:
        with self._lock:
            return min(self.workers, key=lambda w: (not w.health.usable, w.current is not None))

    def loaded_elsewhere(self, worker: Worker) -> set[tuple[str, str]]:
        """The models the other usable engines hold: the scheduler leaves their jobs to them."""
        with self._lock:
            return {(w.state.gpt, w.state.sovits) for w in self.workers if w is not worker and w.health.usable}

    def others_healthy(self, worker: Worker) -> bool:
        with self._lock:
            return any(w is not worker and w.health.state == "ok" for w in self.workers)

    def running(self, role: str, task_id: int) -> list[RunningJob]:
        """The jobs of a task running now."""
        with self._lock:
            return [w.current for w in self.workers
                    if w.current and w.current.role == role and w.current.task_id == task_id]

    def busy_tasks(self) -> set[tuple[str, int]]:
        with self._lock:
            return {(w.current.role, w.current.task_id) for w in self.workers if w.current}

    def reports(self) -> list[EngineReport]:
        """Each engine: its name, state (ok, down, quarantined) and why it is set aside."""
        with self._lock:
            return [w.health.report(w.name) for w in self.workers]

    def states(self) -> dict[str, str]:
        """Started engines by name: "busy" while running a job, else "idle"."""
        with self._lock:
            return {w.name: "busy" if w.current else "idle" for w in self.workers}

    def log_tails(self, lines: int) -> list[str]:
        tails = [getattr(w.engine, "log_tail", lambda n: "")(lines) for w in self.workers]
        return [t for t in tails if t]

    # ------------------------------------------------------------------ health
    def wait_for_recovery(self, worker: Worker) -> None:
        """A set-aside engine is checked when its wait is over; until then it takes no jobs."""
        if not worker.health.due():
            with self._lock:
                if not self._stopping():
                    self._lock.wait(timeout=min(1.0, max(0.05, worker.health.next_check - time.monotonic())))
            return
        failure = probe_failure(worker)
        if failure is not None:
            self.set_aside(worker, failure)
            return
        with self._lock:
            worker.health.recovered()
            worker.state = EngineState()
            self._lock.notify_all()
        self._say(f"{worker.name}: answers again, takes jobs")

    def set_aside(self, worker: Worker, exc: Exception) -> None:
        with self._lock:
            was = worker.health.state
            if isinstance(exc, EngineMisbehaving):
                worker.health.quarantine(first_line(exc))
            else:
                worker.health.mark_down(first_line(exc))
        if was == "ok":
            self._say(f"{worker.name}: {worker.health.state}, its jobs go to the other engines: "
                      f"{worker.health.reason}")

    def engine_lost(self, worker: Worker, exc: EngineError) -> bool:
        """After a run-time failure: is the engine, not the job, what failed? The engine is then set aside."""
        failure = exc if isinstance(exc, EngineMisbehaving) else probe_failure(worker)
        if failure is None:
            return False
        self.set_aside(worker, failure)
        return True

    def may_release(self, job_id: int) -> bool:
        """An engine was lost under the job: may it go back to the queue, not as a used attempt? Not when it
        has already outlived several engines (it may be what kills them)."""
        with self._lock:
            self._engine_losses[job_id] += 1
            return self._engine_losses[job_id] <= MAX_ENGINE_LOSSES_PER_JOB


def probe_failure(worker: Worker) -> Exception | None:
    """Why an engine that can be unreachable (a server) does not answer now; None when it does.
    Engines without a check restart themselves."""
    probe = getattr(worker.engine, "probe", None)
    if probe is None:
        return None
    try:
        probe()
    except Exception as exc:  # noqa: BLE001 - any failure to answer means the engine is not usable now
        return exc
    return None


def first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
