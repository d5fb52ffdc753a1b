"""Tasks that wait because the disk under the roles folder is full.

A job that could not write its take goes back to its task's scheduler at once, and back to the queue in
the DB once there is room to write that down; until then the role's tasks take no jobs, and no attempt
is used. Free space is checked about once a second; the tasks continue by themselves.
"""
from __future__ import annotations

import collections
import logging
import threading
import time

from ras.queue import jobs
from ras.store.disk_space import disk_full, free_bytes, is_disk_full
from ras.store.role_tables import Job
from ras.store.workspace import Workspace

log = logging.getLogger(__name__)
RESUME_FREE_BYTES = 4 * 1024 * 1024  # free space that lets a task stopped by a full disk go on
CHECK_SECONDS = 1.0


class DiskHold:
    def __init__(self, ws: Workspace):
        self.ws = ws
        self._lock = threading.Lock()
        self._reasons: dict[str, str] = {}  # role -> why its tasks wait
        self._held: dict[str, set[int]] = collections.defaultdict(set)  # jobs to queue again once space is back
        self._next_check = 0.0

    def hold(self, role: str, job_id: int) -> str | None:
        """The role's tasks wait for space, and the job with them; returns the message when this starts
        the wait (None when the role already waited)."""
        message = str(disk_full(self.ws.role_dir(role), "writing a take",
                                "the task continues by itself once space is freed"))
        with self._lock:
            first = role not in self._reasons
            self._reasons[role] = message
            self._held[role].add(job_id)
        return message if first else None

    def holds(self, role: str) -> bool:
        with self._lock:
            return role in self._reasons

    def reason(self, role: str) -> str:
        """Why the role's tasks wait ("disk full: ..."), or "" when they do not."""
        with self._lock:
            return self._reasons.get(role, "")

    def release_where_space(self) -> list[str]:
        """The roles whose held jobs went back to the queue now that their disk has room again."""
        with self._lock:
            if not self._reasons or time.monotonic() < self._next_check:
                return []
            self._next_check = time.monotonic() + CHECK_SECONDS
            waiting = {role: set(self._held[role]) for role in self._reasons}
        released = []
        for role, held in waiting.items():
            try:
                if free_bytes(self.ws.role_dir(role)) < RESUME_FREE_BYTES:
                    continue
                with self.ws.role_session(role) as session:
                    for job_id in held:
                        row = session.get(Job, job_id)
                        if row is not None and row.status == "running":
                            jobs.release(session, row)
            except Exception as exc:  # still full (or gone): checked again in a second
                if not is_disk_full(exc):
                    log.exception("%s: cannot queue the held jobs again", role)
                continue
            with self._lock:
                self._reasons.pop(role, None)
                self._held.pop(role, None)
            released.append(role)
        return released
