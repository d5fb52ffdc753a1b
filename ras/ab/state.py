"""A blind A/B session as stored: its candidates, pairs and takes, read in one go.

A candidate's takes are the task's finished results of its configuration; the takes still to come
(queued or being synthesized) and those synthesized but not yet analysed are counted, because the
session is not settled while any of them may still change what it plays or how it ranks.
"""
from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from sqlmodel import col, select

from ras.ab.model import CHOICE_OUTCOME, Posterior, Vote, auto_prior, fit
from ras.store.db import get_row
from ras.store.role_tables import AbCandidate, AbPair, AbSession, Job

PENDING_STATUSES = ("queued", "running")


@dataclass(frozen=True)
class SessionState:
    session: AbSession
    candidates: list[AbCandidate]
    pairs: list[AbPair]
    takes: dict[int, dict[str, list[Job]]]  # candidate id -> text -> finished takes
    pending: int  # takes of the candidates still queued or being synthesized
    unanalysed: int  # finished takes of the candidates whose analysis is neither stored nor given up

    def index(self) -> dict[int, int]:
        return {c.id: i for i, c in enumerate(self.candidates)}

    def voted(self) -> list[AbPair]:
        return [p for p in self.pairs if p.choice]

    @property
    def settled(self) -> bool:
        """Nothing more happens to the session without a person: no take of a candidate is queued, being
        synthesized or waiting for its analysis (a take whose analysis failed counts as settled)."""
        return self.pending == 0 and self.unanalysed == 0

    @cached_property
    def auto_scores(self) -> list[float | None]:
        """Each candidate's mean auto score over its takes measured so far: a session started before the
        analysis caught up gets its prior (and the column) once the scores arrive."""
        return [mean(job.auto_score for jobs in self.takes[c.id].values() for job in jobs) for c in self.candidates]

    @cached_property
    def posterior(self) -> Posterior:
        """Fitted once per loaded state: the stop rule, the next pair and the ranking all read it."""
        index = self.index()
        votes = [Vote(index[p.candidate_a], index[p.candidate_b], CHOICE_OUTCOME[p.choice]) for p in self.voted()]
        return fit(len(self.candidates), votes, auto_prior(self.auto_scores))

    @cached_property
    def decided(self) -> bool:
        """The stop rule holds: the leader beats every other candidate with the settled probability."""
        return self.posterior.settled_best() is not None


def mean(values) -> float | None:
    values = [v for v in values if v is not None]
    return round(statistics.fmean(values), 3) if values else None


def text_key(job: Job) -> str:
    return job.text  # takes are comparable when they speak the same text


def task_takes(session, task_id: int, text_ids: Sequence[int], statuses: Sequence[str]) -> list[Job]:
    query = select(Job).where(Job.task_id == task_id, col(Job.status).in_(list(statuses)))
    if text_ids:
        query = query.where(col(Job.text_id).in_(list(text_ids)))
    return list(session.exec(query.order_by(Job.id)).all())


def finished_takes(session, task_id: int, text_ids: Sequence[int]) -> list[Job]:
    return [job for job in task_takes(session, task_id, text_ids, ("done",)) if job.result_path]


def load_state(session, role: str, session_id: int) -> SessionState:
    row = get_row(session, AbSession, session_id, "A/B session", role)
    candidates = list(session.exec(select(AbCandidate).where(AbCandidate.session_id == row.id)
                                   .order_by(AbCandidate.id)).all())
    pairs = list(session.exec(select(AbPair).where(AbPair.session_id == row.id).order_by(AbPair.id)).all())
    by_config = {(c.param_set_id, c.clip_id): c.id for c in candidates}
    takes: dict[int, dict[str, list[Job]]] = {c.id: {} for c in candidates}
    pending = unanalysed = 0
    # one read of the task's jobs: the finished takes, and those still to come
    for job in task_takes(session, row.task_id, row.text_ids, ("done", *PENDING_STATUSES)):
        candidate_id = by_config.get((job.param_set_id, job.clip_id))
        if candidate_id is None:
            continue
        if job.status != "done":
            pending += 1
        elif job.result_path:
            takes[candidate_id].setdefault(text_key(job), []).append(job)
            unanalysed += job.awaits_analysis
    return SessionState(row, candidates, pairs, takes, pending, unanalysed)
