"""The background driver: advances every unfinished finder run, one step at a time.

It wakes when a result lands (a runner result listener) and otherwise every
RECHECK_SECONDS, so a round whose last take was analysed after its job finished is
noticed too. At start-up it picks up the runs a killed process left unfinished.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from ras.finder import config_stages, emotion_runs, stages
from ras.finder import run as runs
from ras.finder.config_run import is_config_run
from ras.metrics.asr import AsrConfig
from ras.store.workspace import Workspace

log = logging.getLogger("ras.finder.driver")
RECHECK_SECONDS = 2.0  # how often unfinished runs are looked at when no result woke the driver


class FinderDriver:
    def __init__(self, ws: Workspace, runner, *, encoder: Callable[[], object] | None = None,
                 asr: AsrConfig | None = None, poll_seconds: float = RECHECK_SECONDS):
        self.ws, self.runner = ws, runner
        self.encoder = encoder  # called when a screening needs speaker embeddings (loads the model once)
        self.asr = asr  # which speech recognition model hears each clip's language (None: no ASR check)
        self.poll_seconds = poll_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._watched: set[str] = set()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Watch every role with an unfinished run and start the thread (once)."""
        for role in self.ws.role_names():
            try:
                if runs.unfinished_runs(self.ws, role):
                    self.watch(role)
            except Exception:  # one unreadable role must not stop start-up
                log.exception("role %s: finder runs not read", role)
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, daemon=True, name="ras-finder")
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def watch(self, role: str) -> None:
        with self._lock:
            self._watched.add(role)
        self._wake.set()

    def on_result(self, role: str, _job_id: int) -> None:
        """Runner result listener: a take landed, maybe the last of a round."""
        with self._lock:
            watched = role in self._watched
        if watched:
            self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(timeout=self.poll_seconds)
            self._wake.clear()
            if self._stop.is_set():
                return
            with self._lock:
                roles = sorted(self._watched)
            for role in roles:
                self.advance_role(role)

    def advance_role(self, role: str) -> None:
        try:
            run_ids = runs.unfinished_runs(self.ws, role) if self.ws.role_exists(role) else []
        except Exception:
            log.exception("role %s: finder runs not read", role)
            return
        if not run_ids:
            with self._lock:
                self._watched.discard(role)
            return
        for run_id in run_ids:
            self.advance(role, run_id)

    def advance(self, role: str, run_id: int) -> None:
        """One step of one run; a step that raises fails the run with the reason (the page shows it)."""
        try:
            run = runs.load_run(self.ws, role, run_id)
            if emotion_runs.is_emotion_run(run.spec):  # its emotions' runs do the work, each a run of its own
                emotion_runs.advance_parent(self.ws, role, run_id)
                return
            stage, steps = run.stage, config_stages if is_config_run(run.spec) else stages
            if stage == "screen":
                encoder = self.encoder() if self.encoder else None
                stages.do_screen(self.ws, role, run_id, encoder=encoder, asr=self.asr)
                self._wake.set()  # go straight on to the first round
            elif stage == "probe":
                outcome = steps.do_probe(self.ws, self.runner, role, run_id)
                if outcome.startswith("stopped"):
                    self._wake.set()
            elif stage == "rank":
                steps.do_rank(self.ws, role, run_id)
        except LookupError:
            return  # the run was deleted meanwhile
        except Exception as exc:
            log.exception("%s finder run %s failed", role, run_id)
            runs.update_run(self.ws, role, run_id, stage="failed", error=f"{type(exc).__name__}: {exc}")
