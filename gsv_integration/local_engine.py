"""LocalEngine: one GPT-SoVITS worker process (worker.py) per engine.

The worker runs in GPT-SoVITS's interpreter with the GPT-SoVITS root as its
working directory, in its own process group so a hang or crash is cleaned
up with every child it made. One engine per GPU: pass
env_extra={"CUDA_VISIBLE_DEVICES": "1"}.
"""
from __future__ import annotations

import collections
import contextlib
import itertools
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from gsv_integration.engine import EngineCrashed, EngineError, EngineHung, SynthesisInputError, validated
from gsv_integration.request import SynthesisRequest, SynthesisResult
from gsv_integration.weights import list_weights

WORKER_SCRIPT = Path(__file__).resolve().with_name("worker.py")
_CLOSED = object()  # reader thread's end-of-pipe marker


class LocalEngine:
    def __init__(self, gsv_root: str | os.PathLike, gsv_python: str | os.PathLike,
                 worker_config: dict[str, Any] | None = None,
                 env_extra: dict[str, str] | None = None, *,
                 name: str = "local", weight_dirs: tuple[str, ...] = (),
                 start_timeout: float = 300.0,
                 stall_timeout: float = 30.0, log_path: str | os.PathLike | None = None,
                 log_lines: int = 400):
        self.gsv_root = Path(gsv_root).resolve()
        # The worker starts with the GPT-SoVITS folder as its working directory, so a relative
        # interpreter path must be made absolute here. abspath, not resolve: a venv's python is a
        # symlink whose target would lose the venv. A bare name ("python") is left to PATH.
        python = str(gsv_python)
        self.gsv_python = os.path.abspath(python) if os.sep in python or "/" in python else python
        self.worker_config = dict(worker_config or {})
        self.env_extra = dict(env_extra or {})
        self.name = name
        self.weight_dirs = tuple(weight_dirs)  # extra folders besides the root
        self.start_timeout = start_timeout
        # No event (heartbeats come every ~1 s) for this long = hung.
        self.stall_timeout = stall_timeout
        self.log_path = Path(log_path) if log_path else None
        self._log = collections.deque(maxlen=log_lines)
        self._proc: subprocess.Popen | None = None
        self._events: queue.Queue = queue.Queue()
        self._ready: dict[str, Any] = {}
        self._state_dir = ""
        self._job_ids = itertools.count(1)
        self._lock = threading.Lock()  # one job at a time per worker
        self.restarts = 0

    # ---------------------------------------------------------------- lifecycle
    def start(self) -> None:
        if self.alive:
            return
        self._check_paths()
        self._events = queue.Queue()
        # Ours, not the worker's: removed even when the worker is killed.
        self._state_dir = tempfile.mkdtemp(prefix="ras-gsv-worker-")
        config = {**self.worker_config, "state_dir": self._state_dir}
        try:
            self._proc = subprocess.Popen(
                [self.gsv_python, "-u", str(WORKER_SCRIPT), "--config", json.dumps(config)],
                cwd=self.gsv_root, env=self._worker_env(), stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
                errors="replace", bufsize=1, **_new_group_kwargs())
        except OSError as exc:  # e.g. not executable, or a binary for another system
            shutil.rmtree(self._state_dir, ignore_errors=True)
            raise EngineError(f"cannot start GPT-SoVITS python {self.gsv_python}: {exc}; set --gsv-python "
                              f"to the runtime's interpreter") from exc
        proc = self._proc
        threading.Thread(target=self._read_events, args=(proc, self._events),
                         daemon=True, name=f"{self.name}-events").start()
        threading.Thread(target=self._read_log, args=(proc,), daemon=True,
                         name=f"{self.name}-log").start()
        self._ready = self._wait_ready()

    def _check_paths(self) -> None:
        if not self.gsv_root.is_dir():
            raise EngineError(f"GPT-SoVITS root {self.gsv_root} is not a folder: set --gsv-root")
        if not Path(self.gsv_python).is_file():
            raise EngineError(f"GPT-SoVITS python {self.gsv_python} does not exist: set --gsv-python "
                              f"to the runtime's interpreter (e.g. runtime/python.exe)")

    def _worker_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
        env.update(self.env_extra)
        env["PYTHONUNBUFFERED"] = "1"
        env["PYTHONIOENCODING"] = "utf-8"
        return env

    def _wait_ready(self) -> dict[str, Any]:
        deadline = time.monotonic() + self.start_timeout
        while True:
            event = self._next_event(deadline, what="start")
            if event["event"] == "ready":
                return event
            if event["event"] == "fatal":
                self._kill()
                raise EngineError(f"GPT-SoVITS worker could not start: {event['message']}\n"
                                  f"{self.log_tail(20)}")

    def close(self) -> None:
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            try:
                proc.stdin.write('{"op": "exit"}\n')
                proc.stdin.flush()
                proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self._kill()
        self._proc = None

    def kill(self) -> None:
        """Stop the worker now (e.g. to cancel a running job from another
        thread: that job raises EngineCrashed); the next job restarts it."""
        self._kill()

    @property
    def worker_info(self) -> dict[str, Any]:
        """The worker's ready event: pid, python, cwd, device, is_half, capabilities."""
        return dict(self._ready)

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def capabilities(self) -> dict[str, Any]:
        if not self._ready:
            self.start()
        return dict(self._ready.get("capabilities", {}), device=self._ready.get("device"))

    def list_weights(self) -> dict[str, list[dict[str, Any]]]:
        return list_weights([self.gsv_root, *self.weight_dirs])

    def log_tail(self, lines: int = 50) -> str:
        return "\n".join(list(self._log)[-lines:])

    def __enter__(self) -> LocalEngine:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---------------------------------------------------------------- jobs
    def synthesize(self, request: SynthesisRequest, out_path: str | os.PathLike, *,
                   timeout: float | None = None) -> SynthesisResult:
        """Run one job; timeout bounds the whole job (weights loads included)."""
        validated(request)
        with self._lock:
            if not self.alive:
                if self._proc is not None:
                    self.restarts += 1
                self._kill()
                self.start()
            job_id = next(self._job_ids)
            # The worker's cwd is the GPT-SoVITS root: relative request paths
            # (weights, refs) resolve there, as in GPT-SoVITS; out_path is ours.
            out_path = os.path.abspath(out_path)
            self._send({"op": "synthesize", "job_id": job_id, "request": request.to_dict(),
                        "out_path": out_path})
            return self._wait_done(job_id, out_path, timeout)

    def _send(self, message: dict) -> None:
        try:
            self._proc.stdin.write(json.dumps(message, ensure_ascii=False) + "\n")
            self._proc.stdin.flush()
        except OSError as exc:
            self._kill()
            raise EngineCrashed(f"GPT-SoVITS worker pipe closed ({exc}); it will be restarted "
                                f"on the next job.\n{self.log_tail(20)}") from exc

    def _wait_done(self, job_id: int, out_path: str, timeout: float | None) -> SynthesisResult:
        deadline = time.monotonic() + timeout if timeout else None
        while True:
            event = self._next_event(deadline, what=f"job {job_id}")
            if event.get("job_id") != job_id:
                continue  # heartbeats and stale events
            if event["event"] == "done":
                return _result(event, out_path, self.name)
            if event["event"] == "error":
                error = SynthesisInputError if event["kind"] == "input" else EngineError
                raise error(event["message"])

    def _next_event(self, deadline: float | None, *, what: str) -> dict[str, Any]:
        """Next event; kills the worker and raises on stall, timeout or death."""
        remaining = None if deadline is None else deadline - time.monotonic()
        try:
            if remaining is not None and remaining <= 0:
                raise queue.Empty
            wait = self.stall_timeout if remaining is None else min(self.stall_timeout, remaining)
            event = self._events.get(timeout=wait)
        except queue.Empty:
            self._kill()
            if deadline is not None and time.monotonic() >= deadline - 0.01:
                raise EngineHung(f"GPT-SoVITS worker gave no result for {what} within the "
                                 f"timeout; it was killed and restarts on the next job. "
                                 f"Raise the timeout for long texts or slow GPUs.") from None
            raise EngineHung(f"GPT-SoVITS worker showed no sign of life for {self.stall_timeout:.0f} s "
                             f"during {what} (stage {self._last_stage}); it was killed and restarts "
                             f"on the next job.\n{self.log_tail(20)}") from None
        if event is _CLOSED:
            code = self._kill()
            raise EngineCrashed(f"GPT-SoVITS worker died during {what} (exit code {code}); it "
                                f"restarts on the next job.\n{self.log_tail(20)}")
        if event["event"] == "heartbeat":
            self._last_stage = event.get("stage")
        return event

    _last_stage = "unknown"

    # ---------------------------------------------------------------- process plumbing
    def _read_events(self, proc: subprocess.Popen, events: queue.Queue) -> None:
        for line in proc.stdout:
            try:
                events.put(json.loads(line))
            except json.JSONDecodeError:
                self._log.append(f"[protocol noise] {line.rstrip()}")
        events.put(_CLOSED)

    def _read_log(self, proc: subprocess.Popen) -> None:
        if self.log_path:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with (open(self.log_path, "a", encoding="utf-8") if self.log_path else contextlib.nullcontext()) as log_file:
            for line in proc.stderr:
                self._log.append(line.rstrip("\n"))
                if log_file:
                    log_file.write(line)
                    log_file.flush()

    def _kill(self) -> int | None:
        """Kill the worker's whole process group; return its exit code."""
        proc = self._proc
        if proc is None:
            return None
        if proc.poll() is None:
            _kill_group(proc)
        try:
            return proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            return None
        finally:
            shutil.rmtree(self._state_dir, ignore_errors=True)


def _result(event: dict[str, Any], out_path: str, engine: str) -> SynthesisResult:
    return SynthesisResult(wav_path=out_path, sample_rate=event["sample_rate"],
                           num_samples=event["samples"], timings=event.get("timings", {}),
                           loaded_gpt=event.get("loaded_gpt", False),
                           loaded_sovits=event.get("loaded_sovits", False),
                           encoded_ref=event.get("encoded_ref", False), engine=engine)


def _new_group_kwargs() -> dict[str, Any]:
    if sys.platform == "win32":
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True}


def _kill_group(proc: subprocess.Popen) -> None:
    if sys.platform == "win32":
        # taskkill /T ends the tree; CTRL_BREAK alone may be ignored by a hung worker.
        subprocess.run(["taskkill", "/F", "/T", "/PID", str(proc.pid)], capture_output=True,
                       check=False)
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
