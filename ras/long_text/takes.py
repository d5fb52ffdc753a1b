"""Takes of long-text sentences: the autopilot's re-rolls and the chosen take of each sentence.

A sentence of a configuration is its first job (take_of NULL); each re-roll is one more
job row of the same task and parameter set with a new seed and take_of = that first job,
so the queue runs, resumes and cancels it like any other job and the analysis step
measures it. Once a take's metrics are stored (the analysis listener), the part is
reviewed: every sentence gets its best take chosen by the gate (ras.gate);
a sentence whose takes all fail, with nothing of it still pending, gets one more take
while it has had fewer than the run's max_tries and the run was not cancelled. A person's
choice (choose_take) is kept and never re-rolled. The chosen takes are rows
(LongTextChoice), so a restart loses none of them.
"""
from __future__ import annotations

import functools
import random
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select, update

from ras.gate import Gate, Take, best_take, passes, rate_range, with_cer_floors
from ras.queue.tasks import queued_job_row
from ras.store.db import get_row
from ras.store.role_tables import Job, LongTextChoice, LongTextPart, LongTextRun, Task
from ras.store.workspace import Workspace

PENDING = ("queued", "running")


@dataclass(frozen=True)
class Sentence:
    """One sentence of a part: its first job, every take (first job included) and the choice."""

    index: int
    head: Job
    takes: list[Job]
    choice: LongTextChoice | None

    def pending(self) -> bool:
        """A take still to be synthesized or measured (a take whose analysis failed is settled without metrics)."""
        return any(t.status in PENDING or t.awaits_analysis for t in self.takes)

    def chosen(self) -> Job | None:
        """The take the joined audio uses: the stored choice, else the first take."""
        if self.choice is not None:
            for take in self.takes:
                if take.id == self.choice.chosen_job_id and take.status == "done":
                    return take
        return self.head if self.head.status == "done" else None

    @functools.cached_property
    def measured(self) -> dict[int, Take]:
        """What the gate reads of each finished take, by job id, judged beside its siblings (read once:
        a status read asks for it per try and again for the needs-listening mark)."""
        done = [t for t in self.takes if t.status == "done"]
        return {take.take_id: take for take in with_cer_floors([as_take(t) for t in done])}


def as_take(job: Job) -> Take:
    return Take(take_id=job.id, analysed=job.auto_score is not None, analysis_failed=bool(job.analysis_error),
                auto_score=job.auto_score, flags=tuple(job.flags), chars_per_second=job.chars_per_second,
                cer=job.metrics.get("cer"))


def part_sentences(session, run: LongTextRun, part: LongTextPart) -> list[Sentence]:
    jobs = session.exec(select(Job).where(Job.task_id == run.task_id, Job.param_set_id == part.param_set_id)
                        .order_by(col(Job.id))).all()
    retakes = defaultdict(list)
    for job in jobs:
        if job.take_of is not None:
            retakes[job.take_of].append(job)
    heads = [j for j in jobs if j.take_of is None]
    choices = {c.sentence_job_id: c for c in session.exec(select(LongTextChoice).where(
        col(LongTextChoice.sentence_job_id).in_([h.id for h in heads]))).all()} if heads else {}
    # a sentence's takes are those of its emotion: a person who gave it another emotion set its old takes aside
    return [Sentence(i, head, [head, *(t for t in retakes[head.id] if t.emotion == head.emotion)], choices.get(head.id))
            for i, head in enumerate(heads)]


def normal_rate(sentences: list[Sentence], gate: Gate) -> tuple[float, float] | None:
    """The configuration's own chars/s range from its measured takes (rate_range reads the clean ones)."""
    return rate_range([s.measured[t.id] for s in sentences for t in s.takes
                       if t.status == "done" and t.auto_score is not None], gate)


def sentence_rates(sentences: list[Sentence], gate: Gate) -> list[tuple[float, float] | None]:
    """Each sentence's normal chars/s range: that of the sentences spoken with the same emotion's reference.
    A happy reference speaks faster than a calm one: judged against the calm sentences' range, every happy
    take would be "too fast" and every sad one "too slow"."""
    groups: dict[str, list[Sentence]] = defaultdict(list)
    for sentence in sentences:
        groups[sentence.head.emotion].append(sentence)
    ranges = {emotion: normal_rate(group, gate) for emotion, group in groups.items()}
    return [ranges[sentence.head.emotion] for sentence in sentences]


def get_run(session, role: str, run_id: int) -> LongTextRun:
    return get_row(session, LongTextRun, run_id, "long-text run", role)


def run_parts(session, run: LongTextRun) -> list[LongTextPart]:
    """The run's parts (one per configuration), in the order they were made."""
    return list(session.exec(select(LongTextPart).where(LongTextPart.run_id == run.id)
                             .order_by(col(LongTextPart.id))).all())


def run_gate(run: LongTextRun) -> Gate:
    return Gate.from_json(run.gate_json)


def verdict(sentence: Sentence, gate: Gate, rate: tuple[float, float] | None) -> tuple[Take | None, bool]:
    """The sentence's best measured take (ras.gate.best_take) and whether it passes the gate."""
    best = best_take(list(sentence.measured.values()), gate, rate)
    return best, best is not None and passes(best, gate, rate)


def reroll_due(sentence: Sentence, passed: bool, max_tries: int, may_reroll: bool) -> bool:
    """The autopilot owes the sentence another take: no person chose one, none passes, nothing of it is
    pending and it has tries left. The review queues it; a status counts it as work still to come."""
    by_person = sentence.choice is not None and sentence.choice.by_person
    return (may_reroll and not by_person and not passed and not sentence.pending()
            and len(sentence.takes) < max_tries)


def may_reroll(session, run: LongTextRun) -> bool:
    """The run re-rolls failing takes: it has the autopilot on and was not cancelled."""
    return run.max_tries > 1 and not _stopped(session, run.task_id)


def needs_listening(sentence: Sentence, gate: Gate, rate: tuple[float, float] | None) -> bool:
    """Nothing of the sentence is pending and no person chose a take, yet no take passes the gate."""
    if sentence.pending() or (sentence.choice is not None and sentence.choice.by_person):
        return False
    chosen = sentence.chosen()
    return chosen is None or not passes(sentence.measured[chosen.id], gate, rate)


def take_seed(job: Job) -> int | None:
    if job.seed_override is not None:
        return job.seed_override
    sent = job.sent_request
    return sent.get("seed")


def _stopped(session, task_id: int) -> bool:
    """The run was cancelled: its cancelled rows say so (cancel marks queued jobs cancelled)."""
    return session.exec(select(Job.id).where(Job.task_id == task_id, Job.status == "cancelled")).first() is not None


def _choose_by_autopilot(session, sentence: Sentence, take_id: int, passed: bool) -> None:
    """The autopilot's choice, written only where no person has chosen: the sentence was read a
    while ago, and a person's choice committed since must not be overwritten with it."""
    if sentence.choice is None:  # a person's choice inserted meanwhile stays
        session.exec(sqlite_insert(LongTextChoice)
                     .values(sentence_job_id=sentence.head.id, chosen_job_id=take_id, passed=passed, by_person=False)
                     .on_conflict_do_nothing())
        return
    session.exec(update(LongTextChoice)
                 .where(col(LongTextChoice.sentence_job_id) == sentence.head.id,
                        col(LongTextChoice.by_person).is_(False))
                 .values(chosen_job_id=take_id, passed=passed))


def _new_take(session, head: Job) -> Job:
    row = queued_job_row(task_id=head.task_id, param_set_id=head.param_set_id, clip_id=head.clip_id,
                         text_id=head.text_id, text=head.text, text_lang=head.text_lang)
    take = Job(**{**row, "take_of": head.id, "seed_override": random.randint(0, 2**31 - 1),
                  "emotion": head.emotion, "reference_json": head.reference_json})  # a re-roll keeps its emotion
    session.add(take)
    return take


def review_part(ws: Workspace, role: str, part_id: int) -> tuple[list[int], bool]:
    """Choose each sentence's best take and queue re-rolls; returns (new job ids, part settled).

    Idempotent: calling it again with nothing new changes nothing, so it runs after every
    measured take and once at start-up for runs a killed process left mid-way.
    """
    with ws.role_session(role) as session:
        part = get_row(session, LongTextPart, part_id, "long-text part", role)
        run = session.get(LongTextRun, part.run_id)
        gate, sentences = run_gate(run), part_sentences(session, run, part)
        rerolls = may_reroll(session, run)
        added = []
        for sentence, rate in zip(sentences, sentence_rates(sentences, gate)):
            if sentence.choice is not None and sentence.choice.by_person:
                continue
            best, passed = verdict(sentence, gate, rate)
            if best is not None and (sentence.choice is None or (sentence.choice.chosen_job_id, sentence.choice.passed)
                                     != (best.take_id, passed)):
                _choose_by_autopilot(session, sentence, best.take_id, passed)
            if reroll_due(sentence, passed, run.max_tries, rerolls):
                added.append(_new_take(session, sentence.head))
        session.commit()
        settled = not added and not any(s.pending() for s in sentences)
        return [t.id for t in added], settled


def part_of_job(session, job: Job) -> LongTextPart | None:
    task = session.get(Task, job.task_id)
    if task is None or task.kind != "long_text":
        return None
    return session.exec(select(LongTextPart).join(LongTextRun, LongTextRun.id == LongTextPart.run_id)
                        .where(LongTextRun.task_id == task.id, LongTextPart.param_set_id == job.param_set_id)).first()
