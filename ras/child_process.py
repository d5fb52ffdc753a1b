"""Child processes RAS waits on: their answers read with a time limit, and a kill that takes the
child's own children with it.

A child that stops answering (a deadlocked thread pool, a stuck decoder, a stopped or swapped-out
process) looks the same from outside: no next line. So whoever waits on a child reads with a time
limit and, past it, kills the child's whole process group, leaving nothing it started behind.

Time the child spends waiting for a CPU is not held against it. Analysis runs at the lowest
priority, and beside a CPU GPT-SoVITS worker on every core it can go without a cycle for minutes:
that is slow, not hung. Linux tells the two apart (/proc/<pid>/schedstat counts the wait for a
CPU); elsewhere every second counts.
"""
from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

POLL_SECONDS = 0.5  # how often a wait looks again at how much of its limit the child has used
PROJECT_ROOT = Path(__file__).resolve().parents[1]


def child_env(**extra: str) -> dict[str, str]:
    """This process's environment with `extra`, for a child started as `python -m ras....`: the project
    goes first on its import path, since RAS may run from any folder."""
    return {**os.environ, **extra,
            "PYTHONPATH": os.pathsep.join(filter(None, (str(PROJECT_ROOT), os.environ.get("PYTHONPATH"))))}


def protocol_stdout() -> IO[str]:
    """In a child: its stdout kept for the answers it sends, and fd 1 pointed at stderr, so what the
    libraries it loads print goes to the log instead of into the protocol."""
    protocol = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    return protocol


def new_group_kwargs(creationflags: int = 0) -> dict[str, Any]:
    """Popen arguments that give the child a process group of its own, so kill_group ends its children
    too. On POSIX the group stays in this session: when this process dies, the kernel wakes a stopped
    child of an orphaned group and hangs it up, so no stopped child outlives us."""
    if sys.platform == "win32":
        return {"creationflags": creationflags | subprocess.CREATE_NEW_PROCESS_GROUP}
    return {"creationflags": creationflags, "process_group": 0}


def kill_group(proc: subprocess.Popen, wait_seconds: float = 10.0) -> int | None:
    """Kill the child and everything in its process group (a stopped child too); its exit code."""
    if proc.poll() is None:
        if sys.platform == "win32":
            # taskkill /T ends the tree; a console break alone may be ignored by a hung child
            subprocess.run(["taskkill", "/F", "/T", "/PID", str(proc.pid)], capture_output=True, check=False)
        else:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
    try:
        return proc.wait(timeout=wait_seconds)
    except subprocess.TimeoutExpired:
        return None


def seconds_waiting_for_cpu(pid: int) -> float | None:
    """How long the process's main thread has been ready to run without a CPU, in total; None where the
    system does not say (not Linux, or the process is gone)."""
    try:
        fields = Path(f"/proc/{pid}/schedstat").read_text().split()
        return int(fields[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return None


class ChargedClock:
    """Seconds since start that count against a child's time limit: wall time less its wait for a CPU.

    The kernel adds a wait to the process's total when the wait ends, so a wait still in progress counts
    until the process next runs: on a crowded machine the clock can run a fraction of a second ahead."""

    def __init__(self, pid: int):
        self.pid = pid
        self._started = time.monotonic()
        self._waited_at_start = seconds_waiting_for_cpu(pid)

    def charged(self) -> float:
        elapsed = time.monotonic() - self._started
        waited = seconds_waiting_for_cpu(self.pid)
        if waited is None or self._waited_at_start is None:
            return elapsed
        return max(0.0, elapsed - max(0.0, waited - self._waited_at_start))


class LineReader:
    """The lines a child writes to a pipe, read by a thread of their own so that a wait for the next one
    can end. "" marks the end of the pipe (the child closed it or died)."""

    def __init__(self, pipe: IO[str], name: str):
        self._lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, args=(pipe,), daemon=True, name=name).start()

    def _read(self, pipe: IO[str]) -> None:
        try:
            for line in pipe:
                self._lines.put(line)
        except (OSError, ValueError):  # the pipe broke under a killed child: the same as its end
            pass
        finally:
            self._lines.put("")
            with contextlib.suppress(OSError):
                pipe.close()

    def next_line(self, pid: int, limit: float) -> str | None:
        """The next line, "" at the end of the pipe, or None once the child `pid` has used `limit`
        seconds without writing one (ChargedClock: its wait for a CPU is not counted)."""
        clock = ChargedClock(pid)
        while True:
            left = limit - clock.charged()
            if left <= 0:
                return None
            try:
                return self._lines.get(timeout=min(left, POLL_SECONDS))
            except queue.Empty:
                continue
