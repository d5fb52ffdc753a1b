"""What a long-text run shows a person and answers a script (/long_text_status): its configurations' parts,
their sentences with every try, and whether the run is settled.

Settled means nothing more happens without a person: no sentence job is queued or running, every finished
take is measured or its analysis gave up, the autopilot owes no sentence a re-roll (it queues one after a
take's analysis when the sentence's best take fails the gate and tries are left), and every part that can
be joined is joined from its chosen takes. A status read between a take's analysis and the re-roll it
causes is therefore not settled, though nothing is queued at that moment.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlmodel import col, select

from ras.gate import Gate, reasons
from ras.long_text import takes
from ras.queue.tasks import status_counts, status_counts_of_tasks
from ras.store.lookups import get_task
from ras.store.role_tables import Job, LongTextPart, LongTextRun, ParamSet
from ras.store.workspace import Workspace

PAGE_ONLY = {"json": None}  # a field the page reads that the API does not answer with


@dataclass(frozen=True)
class TryRow:
    """One take of a sentence: the first one or a re-roll."""

    result_id: int
    seed: int | None
    status: str
    auto_score: float | None
    flags: tuple[str, ...]
    chosen: bool
    audio: str | None
    reasons: tuple[str, ...]  # the gate's reason codes (ras.gate.reasons); empty when the take passes
    analysis_error: str | None
    duration: float | None
    chars_per_second: float | None


@dataclass(frozen=True)
class SentenceTake:
    """A sentence as one of its takes reads it (the chosen take, or the first while none is chosen)."""

    index: int
    job_id: int
    text: str
    status: str
    error: str
    duration: float | None
    chars_per_second: float | None
    auto_score: float | None
    flags: tuple[str, ...]
    attempts: int
    seed: int | None
    finished_at: datetime | None
    audio: str | None
    emotion: str  # the emotion it is spoken with ("" in a run without a product)


@dataclass(frozen=True)
class SentenceRow(SentenceTake):
    """A sentence with every try and whether a person must listen to it."""

    chosen_result_id: int | None
    chosen_by_person: bool
    tries: tuple[TryRow, ...]
    needs_listening: bool


@dataclass(frozen=True)
class PartStatus:
    """One configuration's reading of the text."""

    part_id: int
    result_id: int | None
    clip_id: int
    label: str
    score: float | None
    note: str
    joined_audio: str | None
    spectrogram: str | None
    # the configuration's own chars/s range (its opening emotion's: each emotion is judged by its own), once known
    normal_rate: tuple[float, float] | None
    needs_listening: int
    sentences: tuple[SentenceRow, ...]


@dataclass(frozen=True)
class LongTextStatus:
    run_id: int
    task_id: int
    name: str
    text: str
    text_lang: str
    queued: int
    running: int
    done: int
    failed: int
    cancelled: int
    total: int
    task_state: str
    max_tries: int
    gate: Gate
    needs_listening: int
    sentence_count: int
    parts: tuple[PartStatus, ...]
    settled: bool
    # what keeps an unsettled run busy, for the page to say in words
    awaiting_analysis: int = field(default=0, metadata=PAGE_ONLY)  # takes synthesized, not yet measured
    rerolls_due: int = field(default=0, metadata=PAGE_ONLY)  # sentences the autopilot still owes a take
    joins_due: int = field(default=0, metadata=PAGE_ONLY)  # parts whose joined audio is still to be (re)built


@dataclass(frozen=True)
class RunSummary:
    """A run as the run picker lists it."""

    run_id: int
    name: str
    task_id: int
    done: int
    total: int


def sentence_take(role_dir: Path, index: int, job: Job) -> SentenceTake:
    return SentenceTake(index=index, job_id=job.id, text=job.text, status=job.status, error=job.error,
                        duration=job.duration, chars_per_second=job.chars_per_second, auto_score=job.auto_score,
                        flags=tuple(job.flags), attempts=job.attempts, seed=job.seed_override,
                        finished_at=job.finished_at, audio=_audio(role_dir, job), emotion=job.emotion)


def _audio(role_dir: Path, job: Job) -> str | None:
    return str(role_dir / job.result_path) if job.result_path else None


def try_rows(role_dir: Path, sentence: takes.Sentence, gate: Gate, rate) -> tuple[TryRow, ...]:
    chosen, measured = sentence.chosen(), sentence.measured
    return tuple(TryRow(
        result_id=t.id, seed=takes.take_seed(t), status=t.status, auto_score=t.auto_score, flags=tuple(t.flags),
        chosen=chosen is not None and t.id == chosen.id, audio=_audio(role_dir, t),
        reasons=tuple(reasons(measured[t.id], gate, rate) if t.status == "done" else [t.status]),
        analysis_error=t.analysis_error or None, duration=t.duration, chars_per_second=t.chars_per_second)
        for t in sentence.takes)


def sentence_row(role_dir: Path, sentence: takes.Sentence, gate: Gate, rate) -> SentenceRow:
    """A sentence as its chosen take reads, with every try and whether a person must listen."""
    chosen = sentence.chosen()
    shown = sentence_take(role_dir, sentence.index, chosen or sentence.head)
    return SentenceRow(**{**vars(shown), "job_id": sentence.head.id},
                       chosen_result_id=chosen.id if chosen else None,
                       chosen_by_person=bool(sentence.choice and sentence.choice.by_person),
                       tries=try_rows(role_dir, sentence, gate, rate),
                       needs_listening=takes.needs_listening(sentence, gate, rate))


def joined_listing(joined: Path) -> dict | None:
    """The sentence list written beside a joined wav (ras.long_text.runs.rebuild_joined)."""
    listing = joined.with_suffix(".json")
    return json.loads(listing.read_text(encoding="utf-8")) if listing.is_file() else None


def _join_due(role_dir: Path, part: LongTextPart, sentences: list[takes.Sentence]) -> bool:
    """Every sentence has a finished chosen take, yet the joined audio is missing or made of other takes
    (a sentence made again keeps its job id under a new seed, so the seed is compared too)."""
    chosen = [s.chosen() for s in sentences]
    if not chosen or any(c is None or not c.result_path for c in chosen):
        return False  # nothing to join until every sentence has a take (a failed one waits for a person)
    joined = role_dir / part.joined_path if part.joined_path else None
    listing = joined_listing(joined) if joined and joined.is_file() else None
    if listing is None:
        return True
    joined_takes = [(s.get("result_id"), s.get("seed")) for s in listing["sentences"]]
    return joined_takes != [(c.id, takes.take_seed(c)) for c in chosen]


@dataclass(frozen=True)
class _PartReading:
    shown: PartStatus
    awaiting_analysis: int
    rerolls_due: int
    join_due: bool


def _read_part(session, role_dir: Path, run: LongTextRun, part: LongTextPart, gate: Gate,
               rerolls: bool) -> _PartReading:
    sentences = takes.part_sentences(session, run, part)
    rates = takes.sentence_rates(sentences, gate)
    rows = tuple(sentence_row(role_dir, s, gate, rate) for s, rate in zip(sentences, rates))
    rate = rates[0] if rates else None  # the range the text opens with (its first emotion's)
    joined = role_dir / part.joined_path if part.joined_path else None
    spectrogram = joined.with_suffix(".png") if joined else None
    shown = PartStatus(
        part_id=part.id, result_id=part.source_result_id, clip_id=part.clip_id,
        label=session.get(ParamSet, part.param_set_id).label, score=part.score, note=part.note,
        joined_audio=str(joined) if joined and joined.is_file() else None,
        spectrogram=str(spectrogram) if spectrogram and spectrogram.is_file() else None,
        normal_rate=(round(rate[0], 3), round(rate[1], 3)) if rate else None,
        needs_listening=sum(r.needs_listening for r in rows), sentences=rows)
    return _PartReading(
        shown=shown,
        awaiting_analysis=sum(t.awaits_analysis for s in sentences for t in s.takes),
        # a run that does not re-roll owes none: no sentence's takes need weighing against the gate for it
        rerolls_due=sum(takes.reroll_due(s, takes.verdict(s, gate, r)[1], run.max_tries, rerolls)
                        for s, r in zip(sentences, rates)) if rerolls else 0,
        join_due=_join_due(role_dir, part, sentences))


def run_status(*, ws: Workspace, role: str, run_id: int) -> LongTextStatus:
    role_dir = ws.role_dir(role)
    with ws.role_session(role) as session:
        run = takes.get_run(session, role, run_id)
        gate, rerolls = takes.run_gate(run), takes.may_reroll(session, run)
        readings = [_read_part(session, role_dir, run, part, gate, rerolls) for part in takes.run_parts(session, run)]
        counts = status_counts(session, run.task_id)
        task_state = get_task(session, role, run.task_id).state
    parts = tuple(r.shown for r in readings)
    awaiting = sum(r.awaiting_analysis for r in readings)
    rerolls_due = sum(r.rerolls_due for r in readings)
    joins_due = sum(r.join_due for r in readings)
    return LongTextStatus(
        run_id=run.id, task_id=run.task_id, name=run.name, text=run.text, text_lang=run.text_lang,
        queued=counts["queued"], running=counts["running"], done=counts["done"], failed=counts["failed"],
        cancelled=counts["cancelled"], total=counts["total"], task_state=task_state, max_tries=run.max_tries,
        gate=gate, needs_listening=sum(p.needs_listening for p in parts),
        sentence_count=sum(len(p.sentences) for p in parts), parts=parts,
        settled=not (counts["queued"] or counts["running"] or awaiting or rerolls_due or joins_due),
        awaiting_analysis=awaiting, rerolls_due=rerolls_due, joins_due=joins_due)


def list_runs(*, ws: Workspace, role: str) -> list[RunSummary]:
    with ws.role_session(role) as session:
        runs = session.exec(select(LongTextRun).order_by(col(LongTextRun.id).desc())).all()
        counts = status_counts_of_tasks(session, [r.task_id for r in runs])
        return [RunSummary(run_id=r.id, name=r.name, task_id=r.task_id, done=counts[r.task_id]["done"],
                           total=counts[r.task_id]["total"]) for r in runs]
