"""Whether an engine of the pool gets jobs: ok, down (unreachable) or quarantined (answers garbage).

A down engine is checked again after a short, growing wait and takes jobs as soon as it
answers; a quarantined one answered with something that is not audio, so it is left
alone longer before it gets one job on trial. The job it was running goes back to the
queue for the other engines: the engine failed, not the job.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

FIRST_RECHECK_SECONDS = 1.0
MAX_RECHECK_SECONDS = 15.0
QUARANTINE_SECONDS = 300.0
MAX_ENGINE_LOSSES_PER_JOB = 3  # a job that takes down every engine it meets fails at last


@dataclass
class EngineHealth:
    state: str = "ok"  # ok | down | quarantined
    reason: str = ""
    since: float = 0.0
    next_check: float = 0.0
    wait: float = FIRST_RECHECK_SECONDS

    @property
    def usable(self) -> bool:
        return self.state == "ok"

    def due(self, now: float | None = None) -> bool:
        """Time to check a down engine again, or to try a quarantined one on one job."""
        return not self.usable and (now or time.monotonic()) >= self.next_check

    def mark_down(self, reason: str) -> None:
        now = time.monotonic()
        if self.state != "down":
            self.since, self.wait = now, FIRST_RECHECK_SECONDS
        else:
            self.wait = min(self.wait * 2, MAX_RECHECK_SECONDS)
        self.state, self.reason, self.next_check = "down", reason, now + self.wait

    def quarantine(self, reason: str) -> None:
        now = time.monotonic()
        self.state, self.reason, self.since, self.next_check = "quarantined", reason, now, now + QUARANTINE_SECONDS

    def recovered(self) -> None:
        self.state, self.reason, self.wait = "ok", "", FIRST_RECHECK_SECONDS

    def report(self, name: str) -> EngineReport:
        return EngineReport(name=name, state=self.state, reason=self.reason)


@dataclass(frozen=True)
class EngineReport:
    """An engine of the pool as the progress view shows it."""

    name: str
    state: str  # ok | down | quarantined
    reason: str  # why it is set aside; "" when ok
