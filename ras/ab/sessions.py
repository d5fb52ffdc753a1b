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
from functools import cached_property

from sqlmodel import col, delete, select

from ras.ab.model import CHOICE_OUTCOME, Posterior, Vote, auto_prior, fit, spearman
from ras.ab.pairs import choose_pair
from ras.queue.tasks import queued_job_row
from ras.store.db import get_row
from ras.store.lookups import get_task
from ras.store.main_tables import utcnow
from ras.store.role_tables import AbCandidate, AbPair, AbSession, Clip, Job, ParamSet
from ras.store.workspace import Workspace

ASKS_PER_TAKE = 2  # a pair of candidates is heard on a text at most twice per take the scarcer side has
DECIDING_TAKES_PER_TEXT = 1  # a deciding round's new takes per too-close candidate and text
PENDING_STATUSES = ("queued", "running")


@dataclass(frozen=True)
class SessionState:
    session: AbSession
    candidates: list[AbCandidate]
    pairs: list[AbPair]
    takes: dict[int, dict[int, list[Job]]]  # candidate id -> text key -> finished takes
    pending: int  # takes of the candidates still queued or being synthesized

    def index(self) -> dict[int, int]:
        return {c.id: i for i, c in enumerate(self.candidates)}

    def voted(self) -> list[AbPair]:
        return [p for p in self.pairs if p.choice]

    @cached_property
    def auto_scores(self) -> list[float | None]:
        """Each candidate's mean auto score over its takes measured so far: a session started before the
        analysis caught up gets its prior (and the column) once the scores arrive."""
        return [_mean(job.auto_score for jobs in self.takes[c.id].values() for job in jobs) for c in self.candidates]

    @cached_property
    def posterior(self) -> Posterior:
        """Fitted once per loaded state: the settled check, the next pair and the ranking all read it."""
        index = self.index()
        votes = [Vote(index[p.candidate_a], index[p.candidate_b], CHOICE_OUTCOME[p.choice]) for p in self.voted()]
        return fit(len(self.candidates), votes, auto_prior(self.auto_scores))


def _text_key(job: Job) -> str:
    return job.text  # takes are comparable when they speak the same text


def _task_takes(session, task_id: int, text_ids: Sequence[int], statuses: Sequence[str]) -> list[Job]:
    query = select(Job).where(Job.task_id == task_id, col(Job.status).in_(list(statuses)))
    if text_ids:
        query = query.where(col(Job.text_id).in_(list(text_ids)))
    return list(session.exec(query.order_by(Job.id)).all())


def _finished_takes(session, task_id: int, text_ids: Sequence[int]) -> list[Job]:
    return [job for job in _task_takes(session, task_id, text_ids, ("done",)) if job.result_path]


def _candidate_label(param_set: ParamSet, clip: Clip, several_clips: bool, several_sets: bool) -> str:
    parts = [param_set.label or f"#{param_set.id}"] if several_sets or not several_clips else []
    if several_clips:
        parts.append(f"ref #{clip.id} {clip.text[:20]}")
    return " · ".join(parts)


def start_session(*, ws: Workspace, role: str, task_id: int, result_ids: Sequence[int] = (),
                  text_ids: Sequence[int] = ()) -> dict:
    """A new session over the task's configurations (or only those of `result_ids`)."""
    with ws.role_session(role) as session:
        get_task(session, role, task_id)
        takes = _finished_takes(session, task_id, text_ids)
        configs = sorted({(j.param_set_id, j.clip_id) for j in takes})
        if result_ids:
            wanted = set()
            for result_id in result_ids:
                job = get_row(session, Job, result_id, "result", role)
                if job.task_id != task_id:
                    raise ValueError(f"result {result_id} belongs to task {job.task_id}, not task {task_id}; "
                                     "pick results of the chosen task")
                wanted.add((job.param_set_id, job.clip_id))
            configs = [c for c in configs if c in wanted]
        texts_by_config = {c: {_text_key(j) for j in takes if (j.param_set_id, j.clip_id) == c} for c in configs}
        if len(configs) < 2 or not any(texts_by_config[a] & texts_by_config[b]
                                       for i, a in enumerate(configs) for b in configs[i + 1:]):
            raise ValueError(f"task {task_id} has fewer than two configurations with finished takes of the same "
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
    return {"session_id": session_id, "candidates": ranking(ws=ws, role=role, session_id=session_id)["ranking"]}


def _load(session, role: str, session_id: int) -> SessionState:
    row = get_row(session, AbSession, session_id, "A/B session", role)
    candidates = list(session.exec(select(AbCandidate).where(AbCandidate.session_id == row.id)
                                   .order_by(AbCandidate.id)).all())
    pairs = list(session.exec(select(AbPair).where(AbPair.session_id == row.id).order_by(AbPair.id)).all())
    by_config = {(c.param_set_id, c.clip_id): c.id for c in candidates}
    takes: dict[int, dict[str, list[Job]]] = {c.id: {} for c in candidates}
    pending = 0
    # one read of the task's jobs: the finished takes, and those still to come
    for job in _task_takes(session, row.task_id, row.text_ids, ("done", *PENDING_STATUSES)):
        candidate_id = by_config.get((job.param_set_id, job.clip_id))
        if candidate_id is None:
            continue
        if job.status != "done":
            pending += 1
        elif job.result_path:
            takes[candidate_id].setdefault(_text_key(job), []).append(job)
    return SessionState(row, candidates, pairs, takes, pending)


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


def next_pair(*, ws: Workspace, role: str, session_id: int) -> dict:
    """The pair to play now: the unanswered one if any, else a new most informative one."""
    role_dir = ws.role_dir(role)
    with ws.role_session(role) as session:
        state = _load(session, role, session_id)
        settled = state.posterior.settled_best() is not None
        waiting = next((p for p in state.pairs if not p.choice), None)
        if waiting is None:
            planned = _plan_next(state)
            if planned is None:
                return {"pair_id": None, "a": None, "b": None, "text": "", "settled": settled}
            first, second, text = planned
            if secrets.randbelow(2):  # the side says nothing about the candidate
                first, second = second, first
            take_a, take_b = _fresh_takes(state, first, second, text)
            waiting = AbPair(session_id=state.session.id, candidate_a=first.id, candidate_b=second.id,
                             result_a=take_a.id, result_b=take_b.id, text=text)
            session.add(waiting)
            session.commit()
        paths = {j.id: j.result_path for j in session.exec(
            select(Job).where(col(Job.id).in_([waiting.result_a, waiting.result_b]))).all()}
    return {"pair_id": waiting.id, "a": str(role_dir / paths[waiting.result_a]),
            "b": str(role_dir / paths[waiting.result_b]), "text": waiting.text, "settled": settled}


def vote(*, ws: Workspace, role: str, session_id: int, pair_id: int, choice: str) -> dict:
    """Store the answer to a pair ("a", "b" or "tie"); answering again replaces the answer."""
    if choice not in CHOICE_OUTCOME:
        raise ValueError(f"choice {choice!r} is not one of 'a', 'b', 'tie'")
    with ws.role_session(role) as session:
        get_row(session, AbSession, session_id, "A/B session", role)
        pair = get_row(session, AbPair, pair_id, "A/B pair", role)
        if pair.session_id != int(session_id):
            raise ValueError(f"pair {pair_id} belongs to session {pair.session_id}, not {session_id}")
        pair.choice, pair.voted_at = choice, utcnow()
        session.add(pair)
        session.commit()
        votes = len(session.exec(select(AbPair.id).where(AbPair.session_id == int(session_id),
                                                         col(AbPair.choice).is_not(None))).all())
    return {"votes": votes}


def _mean(values) -> float | None:
    values = [v for v in values if v is not None]
    return round(statistics.fmean(values), 3) if values else None


def ranking(*, ws: Workspace, role: str, session_id: int) -> dict:
    """Candidates best first with strength, 90 % interval and votes; whether the best is settled."""
    with ws.role_session(role) as session:
        state = _load(session, role, session_id)
    posterior = state.posterior
    low, high = posterior.intervals()
    votes = Counter([p.candidate_a for p in state.voted()] + [p.candidate_b for p in state.voted()])
    rows = []
    for i, candidate in enumerate(state.candidates):
        takes = [job for jobs in state.takes[candidate.id].values() for job in jobs]
        rows.append({"candidate": candidate.id, "label": candidate.label, "clip_id": candidate.clip_id,
                     "param_set_id": candidate.param_set_id, "strength": round(float(posterior.mean[i]), 3),
                     "low": round(float(low[i]), 3), "high": round(float(high[i]), 3),
                     "votes": votes[candidate.id], "auto_score": state.auto_scores[i],
                     "human_score": _mean(job.score for job in takes), "takes": len(takes)})
    best = posterior.settled_best()
    rows.sort(key=lambda row: -row["strength"])
    return {"ranking": rows, "settled": best is not None,
            "best": state.candidates[best].id if best is not None else None,
            "too_close": [] if best is not None else _too_close(state), "takes_pending": state.pending,
            "votes": len(state.voted()), "agreement": _agreement(rows)}


def _too_close(state: SessionState) -> list[int]:
    """When every pair that could settle the best was heard as often as its takes allow: the leader and
    the candidates it does not beat with the stop rule's probability (ids, leader first); else []."""
    if len(state.voted()) == 0 or _plan_next(state) is not None:
        return []
    posterior = state.posterior
    leader = posterior.leader()
    rivals = posterior.unbeaten_by(leader)
    return [state.candidates[i].id for i in [leader, *rivals]] if rivals else []


def queue_deciding_takes(*, ws: Workspace, role: str, session_id: int) -> dict:
    """A deciding round: when the candidates are too close to call, queue DECIDING_TAKES_PER_TEXT more
    takes (new seeds) of each of them on every text another of them also speaks; returns
    {"task_id", "job_ids", "takes_pending"}. While a round is still being synthesized, asking again
    queues nothing more."""
    with ws.role_session(role) as session:
        state = _load(session, role, session_id)
        task_id = state.session.task_id
        if get_task(session, role, task_id).kind != "compare":
            # a long-text task's rows are its sentences: a row added here would read as one more sentence
            raise ValueError(f"A/B session {session_id} compares takes of long-text task {task_id}; give its "
                             "sentences more takes from the long-text tab (regenerate) instead")
        if state.pending:
            return {"task_id": task_id, "job_ids": [], "takes_pending": state.pending}
        close = _too_close(state)
        if not close:
            raise ValueError(f"A/B session {session_id} has no candidates too close to call: a deciding round is "
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
        return {"task_id": task_id, "job_ids": [job.id for job in added], "takes_pending": len(added)}


def add_deciding_takes(*, ws: Workspace, runner, role: str, session_id: int) -> dict:
    """Queue a deciding round and have the runner synthesize it; returns {"task_id", "queued", "takes_pending"}."""
    round_ = queue_deciding_takes(ws=ws, role=role, session_id=session_id)
    if round_["job_ids"]:
        runner.add_jobs(role, round_["task_id"], round_["job_ids"])
    return {"task_id": round_["task_id"], "queued": len(round_["job_ids"]), "takes_pending": round_["takes_pending"]}


def _agreement(rows: list[dict]) -> dict:
    """Rank correlation of the strengths with the auto score and with the people's 0-5 scores."""
    found = {}
    for key in ("auto_score", "human_score"):
        known = [row for row in rows if row[key] is not None]
        found[key.removesuffix("_score")] = (spearman([r["strength"] for r in known], [r[key] for r in known])
                                             if len(known) >= 3 else None)
    return found


def best_take(*, ws: Workspace, role: str, session_id: int, candidate_id: int) -> int:
    """The result to keep for a candidate: its best human-scored take, else best auto-scored, else first."""
    with ws.role_session(role) as session:
        state = _load(session, role, session_id)
    if candidate_id not in state.takes:
        raise ValueError(f"candidate {candidate_id} is not part of A/B session {session_id}")
    takes = [job for jobs in state.takes[candidate_id].values() for job in jobs]
    return max(takes, key=lambda j: (j.score if j.score is not None else -1,
                                     j.auto_score if j.auto_score is not None else -1, -j.id)).id


def reset_session(*, ws: Workspace, role: str, session_id: int) -> dict:
    """Forget every pair and vote of the session; its candidates stay."""
    with ws.role_session(role) as session:
        get_row(session, AbSession, session_id, "A/B session", role)
        session.exec(delete(AbPair).where(AbPair.session_id == int(session_id)))
        session.commit()
    return {"session_id": int(session_id), "votes": 0}


def list_sessions(*, ws: Workspace, role: str, task_id: int | None = None) -> list[dict]:
    """Sessions newest first, with their vote counts (to resume one)."""
    with ws.role_session(role) as session:
        query = select(AbSession).order_by(col(AbSession.id).desc())
        if task_id is not None:
            query = query.where(AbSession.task_id == int(task_id))
        rows = session.exec(query).all()
        voted = Counter(session.exec(select(AbPair.session_id).where(col(AbPair.choice).is_not(None))).all())
    return [{"session_id": r.id, "task_id": r.task_id, "votes": voted[r.id],
             "created_at": r.created_at.isoformat(timespec="seconds")} for r in rows]
