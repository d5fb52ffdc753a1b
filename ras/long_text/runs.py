"""Long-text runs: the best configurations of a comparison read a long text, sentence by sentence.

A run is a hidden task (Task.kind "long_text") on the same queue as comparisons: one
parameter set per chosen result (its parameters as the engine received them, seed kept),
one job per sentence per configuration, in sentence order (a part's sentence index is the
order of its job ids). When all sentences of a part are done, they are joined into
roles/<role>/long_text/<run>/<part>.wav with a sentence list beside it (<part>.json).
With the autopilot (max_tries > 1) a sentence may have several takes (ras.long_text.takes);
the joined audio uses each sentence's chosen take and is built once the part is settled.
"""
from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, insert, or_
from sqlmodel import col, select

from ras.audio.join import join_wavs
from ras.emotions import Reference, TaggedPiece
from ras.errors import Conflict, InputError, NotFound
from ras.gate import Gate, checked_max_tries, passes
from ras.languages import require_lang
from ras.long_text import takes
from ras.long_text.emotion_sentences import emotion_sentences, refuse_tags, spoken_with
from ras.long_text.sentences import detect_lang
from ras.long_text.status import SentenceRow, SentenceTake, sentence_row, sentence_take
from ras.queue.task_spec import check_parameters, spec_names
from ras.queue.tasks import queued_job_row
from ras.results import checked_score, finished_result, save_score
from ras.store.db import get_row
from ras.store.lookups import get_task
from ras.store.main_tables import utcnow
from ras.store.role_tables import Job, LongTextChoice, LongTextPart, LongTextRun, ParamSet, Task
from ras.store.workspace import Workspace

LONG_TEXT_DIR = "long_text"
MAX_SENTENCES = 500


@dataclass(frozen=True)
class LongTextStarted:
    run_id: int
    task_id: int
    sentences: tuple[str, ...]  # the first configuration's sentences, in order
    emotions: tuple[str, ...]  # each of those sentences' emotion ("" in a run without a product)
    max_tries: int
    gate: Gate


@dataclass(frozen=True)
class ChosenSentence(SentenceRow):
    """A sentence after a person chose one of its tries, and where it sits."""

    run_id: int
    part_id: int


@dataclass(frozen=True)
class RequeuedSentence(SentenceTake):
    """A sentence queued again with a new seed, in every part asked for."""

    run_id: int
    part_ids: tuple[int, ...]
    job_ids: tuple[int, ...]


@dataclass(frozen=True)
class PartScore:
    part_id: int
    score: float | None
    note: str
    clip_id: int
    clip_long_text_score: float | None  # the mean the reference clip keeps of its scored parts
    scored_at: datetime


def params_of_result(session, role: str, result_id: int) -> tuple[Job, dict]:
    """A finished result's parameters under the task-spec names, as the engine received them."""
    job, sent = finished_result(session, role, result_id)
    # aux_refs as sent are paths: the parameter set keeps them as clip ids (below)
    params = {k: v for k, v in spec_names(sent).items() if k != "aux_refs" and not (k in ("gpt", "sovits") and not v)}
    aux = session.get(ParamSet, job.param_set_id).params.get("aux_refs") or []
    if aux:
        params["aux_refs"] = aux
    return job, params


def top_results(*, ws: Workspace, role: str, task_id: int, n: int = 3) -> list[int]:
    """The best results of a comparison (person's score, then auto score), one per configuration."""
    with ws.role_session(role) as session:
        get_task(session, role, task_id)
        rows = session.exec(select(Job).where(Job.task_id == int(task_id), Job.status == "done")
                            .order_by(col(Job.score).is_(None), col(Job.score).desc(),
                                      col(Job.auto_score).is_(None), col(Job.auto_score).desc(), col(Job.id))).all()
    picked, seen = [], set()
    for job in rows:
        key = (job.param_set_id, job.clip_id)
        if key not in seen:
            seen.add(key)
            picked.append(job.id)
        if len(picked) >= int(n):
            break
    return picked


def start_long_text(*, ws: Workspace, role: str, result_ids: list[int], text: str, text_lang: str | None = None,
                    name: str = "", options: dict | None = None,
                    pieces: Sequence[TaggedPiece] | None = None) -> LongTextStarted:
    """Create the run and its queued sentence jobs; the caller starts it with runner.run_task.

    options: max_tries (takes per sentence and configuration, 1 = no autopilot), the gate's settings
    (min_auto_score, rate_tolerance, min_rate_takes, max_cer) and product_id (kept with the run).
    pieces: the text cut at its emotion tags with a product's references (ras.long_text.emotion_sentences);
    None for a run without a product, whose text may then hold no tag."""
    options = dict(options or {})
    product_id = options.pop("product_id", None)  # the product whose emotions `pieces` carry, kept as a record
    max_tries = checked_max_tries(options.get("max_tries", 1))
    gate = Gate.from_options(options)
    text = (text or "").strip()
    if not text:
        raise InputError("the long text is empty; type or pick a text to read")
    ids = list(dict.fromkeys(int(i) for i in result_ids or []))
    if not ids:
        raise InputError("choose at least one result (configuration) to read the text")
    if pieces is None:
        refuse_tags(text)
    lang = require_lang(text_lang) if text_lang else detect_lang(text)
    record = {"result_ids": ids, "text": text, "text_lang": lang}
    if product_id is not None:
        record["product_id"] = int(product_id)
    with ws.role_session(role) as session:
        sources = [params_of_result(session, role, i) for i in ids]
        task = Task(name=name or f"long text ({len(ids)})", kind="long_text",
                    spec_json=json.dumps(record, ensure_ascii=False))
        session.add(task)
        session.flush()
        run = LongTextRun(name=name or text[:30], text=text, text_lang=lang, task_id=task.id, max_tries=max_tries,
                          gate_json=gate.to_json())
        session.add(run)
        session.flush()
        first_sentences = None
        for job, params in sources:
            check_parameters(params)
            sentences = emotion_sentences(text, pieces, params.get("text_split_method", "cut1"), lang)
            if not sentences:
                raise InputError("the long text has nothing to speak (only punctuation); type words to read")
            if len(sentences) > MAX_SENTENCES:
                raise InputError(f"the text makes {len(sentences)} sentences; at most {MAX_SENTENCES}: "
                                 "split it into several runs")
            first_sentences = first_sentences or sentences
            ps = ParamSet(task_id=task.id, params_json=json.dumps(params, ensure_ascii=False),
                          label=f"#{job.id} {_label(session, job)}")
            session.add(ps)
            session.flush()
            session.add(LongTextPart(run_id=run.id, param_set_id=ps.id, clip_id=job.clip_id, source_result_id=job.id))
            session.execute(insert(Job), [{**queued_job_row(
                task_id=task.id, param_set_id=ps.id, clip_id=job.clip_id, text=sentence.text, text_lang=lang),
                "emotion": sentence.emotion, "reference_json": sentence.reference_json} for sentence in sentences])
        session.commit()
        return LongTextStarted(run_id=run.id, task_id=task.id, sentences=tuple(s.text for s in first_sentences),
                               emotions=tuple(s.emotion for s in first_sentences), max_tries=max_tries, gate=gate)


def _label(session, job: Job) -> str:
    ps = session.get(ParamSet, job.param_set_id)
    return f"{ps.label} · ref {job.clip_id}"


def _part_jobs(session, run: LongTextRun, part: LongTextPart) -> list[Job]:
    """The part's sentences: their first takes, in sentence order."""
    return list(session.exec(select(Job).where(Job.task_id == run.task_id, Job.param_set_id == part.param_set_id,
                                               col(Job.take_of).is_(None)).order_by(col(Job.id))).all())


def joined_relpath(run_id: int, part_id: int) -> str:
    return f"{LONG_TEXT_DIR}/{run_id}/{part_id}.wav"


def rebuild_joined(ws: Workspace, role: str, part_id: int) -> Path | None:
    """Join the part's chosen takes when every sentence has one and none is still queued or
    running; returns the joined wav (None while some are missing)."""
    from ras.audio.spectrogram import render_spectrogram

    role_dir = ws.role_dir(role)
    with ws.role_session(role) as session:
        part = get_row(session, LongTextPart, part_id, "long-text part", role)
        run = session.get(LongTextRun, part.run_id)
        # called after every finished sentence: count first, load the rows only once all are done
        pending = session.exec(select(func.count()).select_from(Job).where(
            Job.task_id == run.task_id, Job.param_set_id == part.param_set_id,
            or_(col(Job.status).in_(takes.PENDING), (Job.status == "done") & (Job.result_path == "")))).one()
        if pending:
            return None
        jobs = [s.chosen() for s in takes.part_sentences(session, run, part)]
    if not jobs or any(j is None or not j.result_path for j in jobs):
        return None
    relpath = joined_relpath(run.id, part.id)
    joined = join_wavs([role_dir / j.result_path for j in jobs], role_dir / relpath)
    sentences = [{"index": i, "text": j.text, "start": a, "end": b, "result_id": j.id, "seed": takes.take_seed(j)}
                 for i, (j, (a, b)) in enumerate(zip(jobs, joined.spans))]
    _write_json(role_dir / relpath.replace(".wav", ".json"), {"duration": round(joined.duration, 3),
                                                                "sample_rate": joined.sample_rate,
                                                                "sentences": sentences})
    render_spectrogram(joined.path, force=True)
    with ws.role_session(role) as session:
        part = session.get(LongTextPart, int(part_id))
        part.joined_path = relpath
        session.add(part)
        session.commit()
    return joined.path


def _write_json(path: Path, data: dict) -> None:
    from ras.audio.files import write_atomic

    write_atomic(path, json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8"))


def after_result(ws: Workspace, role: str, job_id: int) -> Path | None:
    """Result listener: a finished sentence of a long-text run without autopilot rebuilds its part's
    joined audio (an autopilot run waits for the take's metrics: after_analysis)."""
    with ws.role_session(role) as session:
        job = session.get(Job, int(job_id))
        part = takes.part_of_job(session, job) if job else None
        if part is None or session.get(LongTextRun, part.run_id).max_tries > 1:
            return None
    return rebuild_joined(ws, role, part.id)


def after_analysis(ws: Workspace, runner, role: str, job_id: int) -> list[int]:
    """Analysis listener: a measured take of a long-text sentence reviews its part (choice of the
    best take, re-rolls queued on the same task); returns the re-rolls' job ids."""
    with ws.role_session(role) as session:
        job = session.get(Job, int(job_id))
        part = takes.part_of_job(session, job) if job else None
        if part is None:
            return []
        task_id = job.task_id
    added, settled = takes.review_part(ws, role, part.id)
    if added:
        runner.add_jobs(role, task_id, added)
    elif settled:
        rebuild_joined(ws, role, part.id)
    return added


def review_unsettled(ws: Workspace, runner, role: str) -> int:
    """Start-up: review every autopilot run's parts (a kill may have come between a take's analysis
    and its re-roll, or before the joining); returns the re-rolls queued."""
    with ws.role_session(role) as session:
        rows = session.exec(select(LongTextPart.id, LongTextPart.joined_path, LongTextRun.task_id).join(
            LongTextRun, LongTextRun.id == LongTextPart.run_id).where(LongTextRun.max_tries > 1)).all()
    queued = 0
    for part_id, joined, task_id in rows:
        added, settled = takes.review_part(ws, role, part_id)
        if added:
            runner.add_jobs(role, task_id, added)
            queued += len(added)
        elif settled and not joined:
            rebuild_joined(ws, role, part_id)
    return queued


def choose_take(*, ws: Workspace, role: str, run_id: int, part_id: int, index: int,
                result_id: int) -> ChosenSentence:
    """A person picks take `result_id` for sentence `index` of a part; the joined audio follows."""
    role_dir = ws.role_dir(role)
    with ws.role_session(role) as session:
        run = takes.get_run(session, role, run_id)
        part = get_row(session, LongTextPart, part_id, "long-text part", role)
        if part.run_id != run.id:
            raise NotFound(f"part {part_id} is not in long-text run {run_id}; its parts are "
                           f"{[p.id for p in takes.run_parts(session, run)]}")
        sentences = takes.part_sentences(session, run, part)
        _check_index(index, len(sentences))
        sentence = sentences[int(index)]
        take = next((t for t in sentence.takes if t.id == int(result_id)), None)
        if take is None:
            raise NotFound(f"result {result_id} is not a take of sentence {index}; its takes are "
                           f"{[t.id for t in sentence.takes]}")
        if take.status != "done":
            raise Conflict(f"take {result_id} is {take.status}, not done; choose a finished take")
        gate = takes.run_gate(run)
        choice = sentence.choice or LongTextChoice(sentence_job_id=sentence.head.id, chosen_job_id=take.id)
        choice.chosen_job_id, choice.by_person = take.id, True
        choice.passed = passes(sentence.measured[take.id], gate, takes.sentence_rates(sentences, gate)[int(index)])
        session.add(choice)
        session.commit()
    rebuild_joined(ws, role, part.id)
    with ws.role_session(role) as session:
        sentences = takes.part_sentences(session, run, part)
        gate = takes.run_gate(run)
        shown = sentence_row(role_dir, sentences[int(index)], gate, takes.sentence_rates(sentences, gate)[int(index)])
    return ChosenSentence(**vars(shown), run_id=run.id, part_id=part.id)


def _check_index(index: int, count: int) -> None:
    if not 0 <= int(index) < count:
        raise InputError(f"sentence index {index} is outside 0-{count - 1}; the first sentence is 0")


def regenerate_sentence(*, ws: Workspace, runner, role: str, run_id: int, index: int,
                        part_id: int | None = None) -> RequeuedSentence:
    """Queue sentence `index` again (every part, or only `part_id`) with a new seed and run it."""
    return _requeue_sentence(ws, runner, role, run_id, index, part_id, reference=None)


def set_sentence_emotion(*, ws: Workspace, runner, role: str, run_id: int, index: int, reference: Reference,
                         part_id: int | None = None) -> RequeuedSentence:
    """A person gives sentence `index` another emotion: it is made again (every part, or only `part_id`) with
    `reference`, that emotion's reference of the product. Its takes of the emotion it had stay stored but
    no longer count: neither the autopilot's choice nor its tries weigh them."""
    return _requeue_sentence(ws, runner, role, run_id, index, part_id, reference=reference)


def _requeue_sentence(ws: Workspace, runner, role: str, run_id: int, index: int, part_id: int | None,
                      reference: Reference | None) -> RequeuedSentence:
    with ws.role_session(role) as session:
        run = takes.get_run(session, role, run_id)
        if runner.is_active(role, run.task_id):
            raise Conflict(f"long-text run {run_id} is still running; re-generate when it has finished")
        parts = [p for p in takes.run_parts(session, run) if part_id is None or p.id == int(part_id)]
        if not parts:
            raise NotFound(f"part {part_id} is not in long-text run {run_id}")
        requeued = []
        for part in parts:
            jobs = _part_jobs(session, run, part)
            _check_index(index, len(jobs))
            job = jobs[int(index)]
            choice = session.get(LongTextChoice, job.id)
            if choice is not None:  # the new take is the one to hear; the autopilot re-chooses once it is measured
                session.delete(choice)
            if reference is not None:
                spoken = spoken_with(job.text, reference)
                job.emotion, job.reference_json = spoken.emotion, spoken.reference_json
            job.seed_override = random.randint(0, 2**31 - 1)
            job.status, job.attempts, job.error = "queued", 0, ""
            job.score, job.auto_score, job.metrics_json, job.flags_json, job.spectrogram_path = None, None, "", "", ""
            job.analysis_error = ""
            session.add(job)
            requeued.append((part.id, job))
        session.commit()
    runner.run_task(role, run.task_id)
    role_dir = ws.role_dir(role)
    sentence = sentence_take(role_dir, int(index), requeued[0][1])
    return RequeuedSentence(**vars(sentence), run_id=int(run_id), part_ids=tuple(p for p, _ in requeued),
                            job_ids=tuple(j.id for _, j in requeued))


def score_part(*, ws: Workspace, role: str, part_id: int, score: float | None, note: str = "") -> PartScore:
    """A person's score of one configuration's long text; the reference clip keeps the mean of its parts."""
    score = checked_score(score)
    with ws.role_session(role) as session:
        part = get_row(session, LongTextPart, part_id, "long-text part", role)
        clip = save_score(session, part, score, note)
        return PartScore(part_id=part.id, score=part.score, note=part.note, clip_id=clip.id,
                         clip_long_text_score=clip.long_text_score, scored_at=utcnow())
