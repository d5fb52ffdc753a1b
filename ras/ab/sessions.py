"""Blind A/B sessions stored in the role DB: start, next pair, vote, ranking, reset.

A candidate is one configuration of a task (parameter set x reference clip); its takes are
the task's finished results of that configuration. A pair plays two candidates' takes of the
same text, on random sides. Everything is rows, so a session survives a restart and resumes
where it stopped: an unanswered pair is asked again first. When the leader and its rivals have
been heard on every take they have and are still too close to call, a deciding round queues
more takes of those candidates (new seeds, same texts) on the task, and the session goes on
with them once they are synthesized.
"""
from __future__ import annotations

import json
import random
import secrets
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import col, delete, select

from ras.ab.model import CHOICE_OUTCOME, spearman
from ras.ab.pairs import choose_pair
from ras.ab.state import SessionState, finished_takes, load_state, mean, text_key
from ras.errors import Conflict, InputError, NotFound
from ras.queue.tasks import queued_job_row
from ras.store.db import get_row
from ras.store.lookups import get_task
from ras.store.main_tables import utcnow
from ras.store.role_tables import AbCandidate, AbPair, AbSession, Clip, Job, ParamSet
from ras.store.workspace import Workspace

ASKS_PER_TAKE = 2  # a pair of candidates is heard on a text at most twice per take the scarcer side has
DECIDING_TAKES_PER_TEXT = 1  # a deciding round's new takes per too-close candidate and text


@dataclass(frozen=True)
class RankedCandidate:
    candidate: int
    label: str
    clip_id: int
    param_set_id: int
    strength: float  # Bradley–Terry log-odds
    low: float  # 90 % interval
    high: float
    votes: int
    auto_score: float | None
    human_score: float | None
    takes: int


@dataclass(frozen=True)
class Agreement:
    auto: float | None  # Spearman of the strengths with the auto scores (3+ candidates scored)
    human: float | None  # ... with the people's 0-5 scores


@dataclass(frozen=True)
class Ranking:
    ranking: list[RankedCandidate]  # best first
    settled: bool  # nothing more happens without a person (no take queued, being synthesized or analysed)
    decided: bool  # the stop rule holds: the leader beats every other with 90 % posterior probability
    best: int | None  # the leader's candidate id once decided
    too_close: list[int]  # the leader and the candidates it does not beat, once nothing is left to ask
    takes_pending: int  # the candidates' takes queued or being synthesized
    takes_unanalysed: int  # the candidates' finished takes whose analysis is still to come
    votes: int
    agreement: Agreement


@dataclass(frozen=True)
class StartedSession:
    session_id: int
    candidates: list[RankedCandidate]


@dataclass(frozen=True)
class PairToPlay:
    pair_id: int | None  # None when every pair has been heard enough
    a: str | None  # the takes' audio paths
    b: str | None
    text: str
    settled: bool  # as Ranking.settled
    decided: bool  # as Ranking.decided


@dataclass(frozen=True)
class SessionView:
    """What a person listening sees: the pair to play and the ranking, read together."""

    pair: PairToPlay
    ranking: Ranking


@dataclass(frozen=True)
class VoteCount:
    votes: int


@dataclass(frozen=True)
class DecidingRound:
    task_id: int
    job_ids: list[int]  # the takes this call queued
    takes_pending: int


@dataclass(frozen=True)
class DecidingTakes:
    task_id: int
    queued: int
    takes_pending: int


@dataclass(frozen=True)
class ResetSession:
    session_id: int
    votes: int


@dataclass(frozen=True)
class SessionSummary:
    session_id: int
    task_id: int
    votes: int
    created_at: str  # ISO time to the second


def _candidate_label(param_set: ParamSet, clip: Clip, several_clips: bool, several_sets: bool) -> str:
    parts = [param_set.label or f"#{param_set.id}"] if several_sets or not several_clips else []
    if several_clips:
        parts.append(f"ref #{clip.id} {clip.text[:20]}")
    return " · ".join(parts)


def start_session(*, ws: Workspace, role: str, task_id: int, result_ids: Sequence[int] = (),
                  text_ids: Sequence[int] = ()) -> StartedSession:
    """A new session over the task's configurations (or only those of `result_ids`)."""
    with ws.role_session(role) as session:
        get_task(session, role, task_id)
        takes = finished_takes(session, task_id, text_ids)
        configs = sorted({(j.param_set_id, j.clip_id) for j in takes})
        if result_ids:
            wanted = set()
            for result_id in result_ids:
                job = get_row(session, Job, result_id, "result", role)
                if job.task_id != task_id:
                    raise InputError(f"result {result_id} belongs to task {job.task_id}, not task {task_id}; "
                                     "pick results of the chosen task")
                wanted.add((job.param_set_id, job.clip_id))
            configs = [c for c in configs if c in wanted]
        texts_by_config = {c: {text_key(j) for j in takes if (j.param_set_id, j.clip_id) == c} for c in configs}
        if len(configs) < 2 or not any(texts_by_config[a] & texts_by_config[b]
                                       for i, a in enumerate(configs) for b in configs[i + 1:]):
            raise Conflict(f"task {task_id} has fewer than two configurations with finished takes of the same "
                           "text; run the task (or pick results of at least two configurations) first")
        row = AbSession(task_id=task_id, text_ids_json=json.dumps(sorted(int(t) for t in text_ids)))
        session.add(row)
        session.flush()
        sets = {ps.id: ps for ps in session.exec(select(ParamSet).where(ParamSet.task_id == task_id)).all()}
        clips = {c.id: c for c in session.exec(select(Clip).where(col(Clip.id).in_({c for _, c in configs}))).all()}
        several_clips, several_sets = len({c for _, c in configs}) > 1, len({p for p, _ in configs}) > 1
        for param_set_id, clip_id in configs:
            scores = [j.auto_score for j in takes if (j.param_set_id, j.clip_id) == (param_set_id, clip_id)
                      and j.auto_score is not None]
            session.add(AbCandidate(session_id=row.id, param_set_id=param_set_id, clip_id=clip_id,
                                    label=_candidate_label(sets[param_set_id], clips[clip_id], several_clips,
                                                           several_sets),
                                    auto_score=statistics.fmean(scores) if scores else None))
        session.commit()
        session_id = row.id
    return StartedSession(session_id, ranking(ws=ws, role=role, session_id=session_id).ranking)


def _pair_key(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def _plan_next(state: SessionState) -> tuple[AbCandidate, AbCandidate, str] | None:
    """The two candidates and the text of the next pair, or None when every pair was heard enough."""
    index = state.index()
    per_text = Counter((_pair_key(index[p.candidate_a], index[p.candidate_b]), p.text) for p in state.pairs)
    asked = Counter(_pair_key(index[p.candidate_a], index[p.candidate_b]) for p in state.voted())
    fresh: dict[tuple[int, int], list[str]] = {}
    for i, first in enumerate(state.candidates):
        for j in range(i + 1, len(state.candidates)):
            second = state.candidates[j]
            shared = state.takes[first.id].keys() & state.takes[second.id].keys()
            texts = sorted(t for t in shared if per_text[((i, j), t)] < _asks_allowed(state, first, second, t))
            if texts:
                fresh[(i, j)] = texts
    pair = choose_pair(state.posterior, dict(asked), fresh, seed=len(state.pairs))
    if pair is None:
        return None
    text_use = Counter(p.text for p in state.pairs)
    # rotate texts: the one this pair heard least, then the one the session heard least
    text = min(fresh[pair], key=lambda t: (per_text[(pair, t)], text_use[t], t))
    return state.candidates[pair[0]], state.candidates[pair[1]], text


def _asks_allowed(state: SessionState, first: AbCandidate, second: AbCandidate, text: str) -> int:
    """How often two candidates may be heard on a text: twice per take of the side with fewer takes."""
    return ASKS_PER_TAKE * min(len(state.takes[first.id].get(text, ())), len(state.takes[second.id].get(text, ())))


def _fresh_takes(state: SessionState, first: AbCandidate, second: AbCandidate, text: str) -> tuple[Job, Job]:
    """The two takes to play: the pairing of takes heard least, then the takes played least overall
    (a deciding round's new takes are heard before the old ones are played again)."""
    played = Counter([p.result_a for p in state.pairs] + [p.result_b for p in state.pairs])
    pairings = Counter(frozenset((p.result_a, p.result_b)) for p in state.pairs)
    return min(((a, b) for a in state.takes[first.id][text] for b in state.takes[second.id][text]),
               key=lambda ab: (pairings[frozenset((ab[0].id, ab[1].id))], played[ab[0].id] + played[ab[1].id],
                               ab[0].id, ab[1].id))


def next_pair(*, ws: Workspace, role: str, session_id: int) -> PairToPlay:
    """The pair to play now: the unanswered one if any, else a new most informative one."""
    role_dir = ws.role_dir(role)
    with ws.role_session(role) as session:
        return _pair_to_play(session, role_dir, load_state(session, role, session_id))


def session_view(*, ws: Workspace, role: str, session_id: int) -> SessionView:
    """next_pair and ranking from one read of the session (the page shows both on every vote and poll)."""
    role_dir = ws.role_dir(role)
    with ws.role_session(role) as session:
        state = load_state(session, role, session_id)
        pair = _pair_to_play(session, role_dir, state)
    return SessionView(pair, _ranking(state))


def _pair_to_play(session, role_dir: Path, state: SessionState) -> PairToPlay:
    waiting = next((p for p in state.pairs if not p.choice), None)
    if waiting is None:
        planned = _plan_next(state)
        if planned is None:
            return PairToPlay(None, None, None, "", state.settled, state.decided)
        first, second, text = planned
        if secrets.randbelow(2):  # the side says nothing about the candidate
            first, second = second, first
        take_a, take_b = _fresh_takes(state, first, second, text)
        waiting = AbPair(session_id=state.session.id, candidate_a=first.id, candidate_b=second.id,
                         result_a=take_a.id, result_b=take_b.id, text=text)
        session.add(waiting)
        session.commit()
        state.pairs.append(waiting)  # the state now holds what a fresh read would: a ranking read next counts it
    paths = {j.id: j.result_path for j in session.exec(
        select(Job).where(col(Job.id).in_([waiting.result_a, waiting.result_b]))).all()}
    return PairToPlay(waiting.id, str(role_dir / paths[waiting.result_a]), str(role_dir / paths[waiting.result_b]),
                      waiting.text, state.settled, state.decided)


def vote(*, ws: Workspace, role: str, session_id: int, pair_id: int, choice: str) -> VoteCount:
    """Store the answer to a pair ("a", "b" or "tie"); answering again replaces the answer."""
    if choice not in CHOICE_OUTCOME:
        raise InputError(f"choice {choice!r} is not one of 'a', 'b', 'tie'")
    with ws.role_session(role) as session:
        get_row(session, AbSession, session_id, "A/B session", role)
        pair = get_row(session, AbPair, pair_id, "A/B pair", role)
        if pair.session_id != int(session_id):
            raise InputError(f"pair {pair_id} belongs to session {pair.session_id}, not {session_id}; "
                             "answer a pair /ab_next gave for this session")
        pair.choice, pair.voted_at = choice, utcnow()
        session.add(pair)
        session.commit()
        votes = len(session.exec(select(AbPair.id).where(AbPair.session_id == int(session_id),
                                                         col(AbPair.choice).is_not(None))).all())
    return VoteCount(votes)


def ranking(*, ws: Workspace, role: str, session_id: int) -> Ranking:
    """Candidates best first with strength, 90 % interval and votes; whether the best is decided and whether
    anything is still on its way."""
    with ws.role_session(role) as session:
        return _ranking(load_state(session, role, session_id))


def _ranking(state: SessionState) -> Ranking:
    posterior = state.posterior
    low, high = posterior.intervals()
    votes = Counter([p.candidate_a for p in state.voted()] + [p.candidate_b for p in state.voted()])
    rows = []
    for i, candidate in enumerate(state.candidates):
        takes = [job for jobs in state.takes[candidate.id].values() for job in jobs]
        rows.append(RankedCandidate(
            candidate=candidate.id, label=candidate.label, clip_id=candidate.clip_id,
            param_set_id=candidate.param_set_id, strength=round(float(posterior.mean[i]), 3),
            low=round(float(low[i]), 3), high=round(float(high[i]), 3), votes=votes[candidate.id],
            auto_score=state.auto_scores[i], human_score=mean(job.score for job in takes), takes=len(takes)))
    best = posterior.settled_best()
    rows.sort(key=lambda row: -row.strength)
    return Ranking(ranking=rows, settled=state.settled, decided=best is not None,
                   best=state.candidates[best].id if best is not None else None,
                   too_close=[] if best is not None else _too_close(state), takes_pending=state.pending,
                   takes_unanalysed=state.unanalysed, votes=len(state.voted()), agreement=_agreement(rows))


def _too_close(state: SessionState) -> list[int]:
    """When every pair that could settle the best was heard as often as its takes allow: the leader and
    the candidates it does not beat with the stop rule's probability (ids, leader first); else []."""
    if len(state.voted()) == 0 or _plan_next(state) is not None:
        return []
    posterior = state.posterior
    leader = posterior.leader()
    rivals = posterior.unbeaten_by(leader)
    return [state.candidates[i].id for i in [leader, *rivals]] if rivals else []


def queue_deciding_takes(*, ws: Workspace, role: str, session_id: int) -> DecidingRound:
    """A deciding round: when the candidates are too close to call, queue DECIDING_TAKES_PER_TEXT more
    takes (new seeds) of each of them on every text another of them also speaks. While a round is still
    being synthesized, asking again queues nothing more."""
    with ws.role_session(role) as session:
        state = load_state(session, role, session_id)
        task_id = state.session.task_id
        if get_task(session, role, task_id).kind != "compare":
            # a long-text task's rows are its sentences: a row added here would read as one more sentence
            raise Conflict(f"A/B session {session_id} compares takes of long-text task {task_id}; give its "
                           "sentences more takes from the long-text tab (regenerate) instead")
        if state.pending:
            return DecidingRound(task_id, [], state.pending)
        close = _too_close(state)
        if not close:
            raise Conflict(f"A/B session {session_id} has no candidates too close to call: a deciding round is "
                           "for when every pair that could settle the best was heard on every take; vote on")
        texts = Counter(text for candidate_id in close for text in state.takes[candidate_id])
        added = []
        for candidate_id in close:
            for text, jobs in sorted(state.takes[candidate_id].items()):
                if texts[text] < 2:  # no other close candidate speaks it: nothing to compare it with
                    continue
                model = jobs[0]
                row = queued_job_row(task_id=task_id, param_set_id=model.param_set_id, clip_id=model.clip_id,
                                     text_id=model.text_id, text=model.text, text_lang=model.text_lang)
                added += [Job(**{**row, "seed_override": random.randint(0, 2**31 - 1)})
                          for _ in range(DECIDING_TAKES_PER_TEXT)]
        session.add_all(added)
        session.commit()
        return DecidingRound(task_id, [job.id for job in added], len(added))


def add_deciding_takes(*, ws: Workspace, runner, role: str, session_id: int) -> DecidingTakes:
    """Queue a deciding round and have the runner synthesize it. A round left queued while its task is not
    running (its start failed) is started again, so asking again is how a person gets it going."""
    round_ = queue_deciding_takes(ws=ws, role=role, session_id=session_id)
    if round_.job_ids or (round_.takes_pending and not runner.is_active(role, round_.task_id)):
        runner.add_jobs(role, round_.task_id, round_.job_ids)
    return DecidingTakes(round_.task_id, len(round_.job_ids), round_.takes_pending)


def _agreement(rows: list[RankedCandidate]) -> Agreement:
    """Rank correlation of the strengths with the auto score and with the people's 0-5 scores."""
    def against(score) -> float | None:
        known = [row for row in rows if score(row) is not None]
        return spearman([r.strength for r in known], [score(r) for r in known]) if len(known) >= 3 else None

    return Agreement(auto=against(lambda r: r.auto_score), human=against(lambda r: r.human_score))


def best_take(*, ws: Workspace, role: str, session_id: int, candidate_id: int) -> int:
    """The result to keep for a candidate: its best human-scored take, else best auto-scored, else first."""
    with ws.role_session(role) as session:
        state = load_state(session, role, session_id)
    if candidate_id not in state.takes:
        raise NotFound(f"candidate {candidate_id} is not part of A/B session {session_id}; pick one of its ranking")
    takes = [job for jobs in state.takes[candidate_id].values() for job in jobs]
    return max(takes, key=lambda j: (j.score if j.score is not None else -1,
                                     j.auto_score if j.auto_score is not None else -1, -j.id)).id


def reset_session(*, ws: Workspace, role: str, session_id: int) -> ResetSession:
    """Forget every pair and vote of the session; its candidates stay."""
    with ws.role_session(role) as session:
        get_row(session, AbSession, session_id, "A/B session", role)
        session.exec(delete(AbPair).where(AbPair.session_id == int(session_id)))
        session.commit()
    return ResetSession(int(session_id), 0)


def list_sessions(*, ws: Workspace, role: str, task_id: int | None = None) -> list[SessionSummary]:
    """Sessions newest first, with their vote counts (to resume one)."""
    with ws.role_session(role) as session:
        query = select(AbSession).order_by(col(AbSession.id).desc())
        if task_id is not None:
            query = query.where(AbSession.task_id == int(task_id))
        rows = session.exec(query).all()
        voted = Counter(session.exec(select(AbPair.session_id).where(col(AbPair.choice).is_not(None))).all())
    return [SessionSummary(r.id, r.task_id, voted[r.id], r.created_at.isoformat(timespec="seconds")) for r in rows]
