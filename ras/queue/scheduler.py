"""Order jobs so each weight file loads once and each reference encodes once per SoVITS.

Greedy on the engine's state: keep the loaded GPT, SoVITS and reference as long as
jobs need them; then switch only the GPT (a few MB, and the encoded reference stays
valid) before the SoVITS (tens to hundreds of MB); then anything, oldest first. Each
SoVITS file then loads once per run; in a GPT x SoVITS grid the GPT files, being the
cheap ones, take the unavoidable extra switches (a 2 x 2 grid: 2 SoVITS + 3 GPT loads,
the least any order can do, since every GPT/SoVITS pair must be loaded together once).
"""
from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class JobKey:
    job_id: int
    gpt: str
    sovits: str
    ref: str  # reference clip plus its aux refs: what the engine encodes

    def group(self) -> tuple[str, str]:
        return self.gpt, self.sovits


@dataclass
class EngineState:
    gpt: str | None = None
    sovits: str | None = None
    ref: str | None = None
    gpt_loads: int = 0
    sovits_loads: int = 0
    ref_encodings: int = 0

    def apply(self, job: JobKey) -> None:
        """Count what running `job` costs, as the worker does (load only on change)."""
        if job.gpt != self.gpt:
            self.gpt, self.gpt_loads = job.gpt, self.gpt_loads + 1
        if job.sovits != self.sovits:
            self.sovits, self.sovits_loads = job.sovits, self.sovits_loads + 1
            self.ref = None  # a new SoVITS model encodes the reference again
        if job.ref != self.ref:
            self.ref, self.ref_encodings = job.ref, self.ref_encodings + 1


class Scheduler:
    """Pending jobs indexed by what they share; next(state) picks the cheapest one."""

    def __init__(self, jobs: Iterable[JobKey]):
        self._pending: set[int] = set()
        self._all: deque[JobKey] = deque()
        self._by: dict[str, dict[tuple, deque[JobKey]]] = {
            k: defaultdict(deque) for k in ("exact", "pair", "sovits_ref", "sovits", "gpt")}
        for job in sorted(jobs, key=lambda j: j.job_id):
            self.add(job)

    def add(self, job: JobKey) -> None:
        """Queue a job (again, after a retry: stale index entries are skipped)."""
        self._pending.add(job.job_id)
        self._all.append(job)
        self._by["exact"][(job.gpt, job.sovits, job.ref)].append(job)
        self._by["pair"][job.group()].append(job)
        self._by["sovits_ref"][(job.sovits, job.ref)].append(job)
        self._by["sovits"][(job.sovits,)].append(job)
        self._by["gpt"][(job.gpt,)].append(job)

    def __len__(self) -> int:
        return len(self._pending)

    def _first(self, queue: deque[JobKey] | None) -> JobKey | None:
        while queue:
            if queue[0].job_id in self._pending:
                return queue[0]
            queue.popleft()
        return None

    def next(self, state: EngineState, avoid: set[tuple[str, str]] = frozenset()) -> JobKey | None:
        """The cheapest job for an engine in `state`; when nothing matches what it has
        loaded, prefer a model group no other engine is on (`avoid`), so that several
        engines each take whole groups."""
        candidates = (("exact", (state.gpt, state.sovits, state.ref)), ("pair", (state.gpt, state.sovits)),
                      ("sovits_ref", (state.sovits, state.ref)), ("sovits", (state.sovits,)), ("gpt", (state.gpt,)))
        for index, key in candidates:
            job = self._first(self._by[index].get(key))
            if job is not None:
                return self._take(job)
        fallback = self._first(self._all)
        if fallback is not None and fallback.group() in avoid:
            fallback = next((j for j in self._all if j.job_id in self._pending and j.group() not in avoid), fallback)
        return self._take(fallback) if fallback else None

    def _take(self, job: JobKey) -> JobKey:
        self._pending.discard(job.job_id)
        return job


def scheduled_order(jobs: Iterable[JobKey], state: EngineState | None = None) -> list[JobKey]:
    state = state or EngineState()
    scheduler, order = Scheduler(jobs), []
    while (job := scheduler.next(state)) is not None:
        state.apply(job)
        order.append(job)
    return order


def count_costs(order: Iterable[JobKey]) -> EngineState:
    state = EngineState()
    for job in order:
        state.apply(job)
    return state
