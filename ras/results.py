"""Results of a task: sorted and filtered pages, scores, and comparison by variable."""
from __future__ import annotations

import statistics
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import func
from sqlmodel import col, select

from ras.audio.wav_tags import write_tagged_copy
from ras.errors import Conflict, InputError, NotFound
from ras.store.db import get_row
from ras.store.lookups import get_task
from ras.store.main_tables import utcnow
from ras.store.role_tables import JOB_STATUSES, Clip, Job, LongTextPart, ParamSet
from ras.store.workspace import Workspace

SCORE_RANGE = (0.0, 5.0)  # the UI offers 1-5 stars; 0 marks a take as unusable
# A fixed whitelist: request text never becomes SQL.
SORTS = {
    "duration": (col(Job.duration).is_(None), col(Job.duration)),
    "-duration": (col(Job.duration).is_(None), col(Job.duration).desc()),
    "chars_per_second": (col(Job.chars_per_second).is_(None), col(Job.chars_per_second)),
    "auto": (col(Job.auto_score).is_(None), col(Job.auto_score).desc()),
    "score": (col(Job.score).is_(None), col(Job.score).desc()),
    "group": (col(Job.param_set_id), col(Job.duration)),
    "id": (col(Job.id),),
}


@dataclass(frozen=True)
class Result:
    """A job of a task and its take: what was asked, what came back, what analysis and people said."""

    id: int
    clip_id: int  # the reference clip
    text_id: int | None
    text: str
    text_lang: str
    status: str  # queued | running | done | failed | cancelled
    error: str  # why it failed
    param_set_id: int
    label: str  # the parameter set's label, e.g. "top_k=5"
    params: dict  # what the engine really received once the job ran; the planned set before
    audio: str | None
    duration: float | None
    chars_per_second: float | None
    spectrogram: str | None
    analysis_error: str | None  # why analysis gave up on the take (it failed twice): no metrics then
    metrics: dict  # metric name -> value
    missing_metrics: dict  # metric name -> why it was not measured
    auto_score: float | None
    flags: tuple[str, ...]  # the defects analysis found (ras.metrics.scoring's rule names)
    score: float | None  # a person's 0-5
    note: str
    duration_deviation: float | None = None  # against the median take of its text, on a page of results

    @property
    def finished(self) -> bool:
        return self.status == "done"


@dataclass(frozen=True)
class ResultPage:
    total: int  # results that pass the filter, on every page
    results: tuple[Result, ...]


@dataclass(frozen=True)
class ScoreAgreement:
    """How well the auto score ranks the takes as people scored them."""

    pairs: int  # takes with both scores
    spearman: float | None  # None below `needed` pairs, or when one side has no spread
    needed: int


@dataclass(frozen=True)
class VariableGroup:
    """The takes of one value of the compared variable (a parameter set, a reference or a text)."""

    key: int | None
    label: str
    count: int  # finished takes
    scored: int  # of them scored by a person
    mean_score: float | None
    mean_duration: float | None
    mean_auto: float | None


@dataclass(frozen=True)
class ParamSetInfo:
    id: int
    label: str
    params: dict


@dataclass(frozen=True)
class ResultFilter:
    param_set_ids: tuple[int, ...] = ()
    clip_ids: tuple[int, ...] = ()
    text_ids: tuple[int, ...] = ()
    text: str = ""
    scored: bool | None = None
    statuses: tuple[str, ...] = ("done", "failed")


def _filtered(query, task_id: int, flt: ResultFilter):
    query = query.where(Job.task_id == task_id)
    if flt.statuses:
        bad = set(flt.statuses) - set(JOB_STATUSES)
        if bad:
            raise InputError(f"unknown status filter {sorted(bad)}; use {', '.join(JOB_STATUSES)}")
        query = query.where(col(Job.status).in_(flt.statuses))
    if flt.param_set_ids:
        query = query.where(col(Job.param_set_id).in_(flt.param_set_ids))
    if flt.clip_ids:
        query = query.where(col(Job.clip_id).in_(flt.clip_ids))
    if flt.text_ids:
        query = query.where(col(Job.text_id).in_(flt.text_ids))
    if flt.text:
        query = query.where(col(Job.text).contains(flt.text))
    if flt.scored is not None:
        query = query.where(col(Job.score).is_not(None) if flt.scored else col(Job.score).is_(None))
    return query


def result_of(role_dir: Path, job: Job, params: dict | None, label: str) -> Result:
    """One result; role_dir is ws.role_dir(role), resolved once per page."""
    return Result(
        id=job.id, clip_id=job.clip_id, text_id=job.text_id, text=job.text, text_lang=job.text_lang,
        status=job.status, error=job.error, param_set_id=job.param_set_id, label=label,
        params=job.sent_request or params or {},
        audio=str(role_dir / job.result_path) if job.result_path else None,
        duration=job.duration, chars_per_second=job.chars_per_second,
        spectrogram=str(role_dir / job.spectrogram_path) if job.spectrogram_path else None,
        analysis_error=job.analysis_error or None, metrics=job.metrics, missing_metrics=job.missing_metrics,
        auto_score=job.auto_score, flags=tuple(job.flags), score=job.score, note=job.note)


def list_results(*, ws: Workspace, role: str, task_id: int, sort: str = "duration", page: int = 1,
                 page_size: int = 50, flt: ResultFilter = ResultFilter()) -> ResultPage:
    if sort not in SORTS:
        raise InputError(f"unknown sort {sort!r}; use one of {', '.join(SORTS)}")
    page, page_size = max(int(page), 1), min(max(int(page_size), 1), 500)
    with ws.role_session(role) as session:
        get_task(session, role, task_id)
        total = session.exec(_filtered(select(func.count()).select_from(Job), task_id, flt)).one()
        query = _filtered(select(Job), task_id, flt).order_by(*SORTS[sort], col(Job.id))
        rows = session.exec(query.offset((page - 1) * page_size).limit(page_size)).all()
        sets = {ps.id: ps for ps in session.exec(select(ParamSet).where(ParamSet.task_id == task_id)).all()}
        medians = _median_durations(session, task_id)
    role_dir = ws.role_dir(role)
    planned = {}  # a set's planned parameters, read once per page for the rows not yet run
    for job in rows:
        if job.param_set_id not in planned and not job.request_json:
            planned[job.param_set_id] = sets[job.param_set_id].params
    found = [result_of(role_dir, job, planned.get(job.param_set_id), sets[job.param_set_id].label) for job in rows]
    # how far each take is from the median take of its text: an outlier is often a failed take
    return ResultPage(total=total, results=tuple(replace(r, duration_deviation=_deviation(r, medians)) for r in found))


def _deviation(result: Result, medians: dict[str, float]) -> float | None:
    median = medians.get(result.text)
    return round((result.duration - median) / median, 4) if median and result.duration else None


def _median_durations(session, task_id: int) -> dict[str, float]:
    """Median duration of the task's finished takes, per text."""
    by_text: dict[str, list[float]] = {}
    rows = session.exec(select(Job.text, Job.duration).where(Job.task_id == task_id, Job.status == "done",
                                                             col(Job.duration).is_not(None))).all()
    for text, duration in rows:
        by_text.setdefault(text, []).append(duration)
    return {text: statistics.median(values) for text, values in by_text.items()}


def score_agreement(*, ws: Workspace, role: str, task_id: int, minimum: int = 5) -> ScoreAgreement:
    """Spearman rank correlation between auto and human scores over the task's scored results."""
    with ws.role_session(role) as session:
        get_task(session, role, task_id)
        pairs = session.exec(select(Job.auto_score, Job.score).where(
            Job.task_id == task_id, col(Job.score).is_not(None), col(Job.auto_score).is_not(None))).all()
    if len(pairs) < minimum:
        return ScoreAgreement(pairs=len(pairs), spearman=None, needed=minimum)
    auto, human = zip(*pairs)
    return ScoreAgreement(pairs=len(pairs), spearman=_spearman(list(auto), list(human)), needed=minimum)


def _ranks(values: list[float]) -> list[float]:
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):  # ties share their average rank
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2
        i = j + 1
    return ranks


def _spearman(a: list[float], b: list[float]) -> float | None:
    ra, rb = _ranks(a), _ranks(b)
    mean_a, mean_b = statistics.fmean(ra), statistics.fmean(rb)
    cov = sum((x - mean_a) * (y - mean_b) for x, y in zip(ra, rb))
    var = (sum((x - mean_a) ** 2 for x in ra) * sum((y - mean_b) ** 2 for y in rb)) ** 0.5
    return round(cov / var, 3) if var else None


def get_result(*, ws: Workspace, role: str, result_id: int) -> Result:
    with ws.role_session(role) as session:
        job = get_row(session, Job, result_id, "result", role)
        ps = session.get(ParamSet, job.param_set_id)
    return result_of(ws.role_dir(role), job, ps.params, ps.label)


EXPORT_SUBDIR = "exports"


def export_result(*, ws: Workspace, role: str, result_id: int) -> Path:
    """A copy of a finished result's wav carrying its text and parameters (in the file and a sidecar JSON)."""
    with ws.role_session(role) as session:
        job, request = finished_result(session, role, result_id)
    source = ws.role_dir(role) / job.result_path
    if not source.is_file():
        raise NotFound(f"the audio of result {result_id} is missing ({source}): run the job again "
                       "(re-run failed jobs in the task tab)")
    settings = {"role": role, "result_id": job.id, "text": job.text, "text_lang": job.text_lang,
                "clip_id": job.clip_id, "params": request}
    target = ws.role_dir(role) / EXPORT_SUBDIR / f"result_{job.id}.wav"
    return write_tagged_copy(source, target, settings)[0]


def finished_result(session, role: str, result_id: int) -> tuple[Job, dict]:
    """A result that ran, with the SynthesisRequest fields the engine received."""
    job = get_row(session, Job, result_id, "result", role)
    if job.status != "done" or not job.request_json:
        raise Conflict(f"result {result_id} has not run yet (status {job.status}); pick a finished result")
    return job, job.sent_request


def checked_score(score: float | None) -> float | None:
    """A person's score as stored (None clears it); outside the range is refused."""
    if score is None:
        return None
    score = float(score)
    if not SCORE_RANGE[0] <= score <= SCORE_RANGE[1]:
        raise InputError(f"score {score:g} is outside {SCORE_RANGE[0]:g}-{SCORE_RANGE[1]:g}: give 0 (unusable) "
                         "to 5 (best)")
    return score


# The mean that a reference clip keeps of each kind of scored row.
_CLIP_MEAN_OF = {Job: "mean_score", LongTextPart: "long_text_score"}


def save_score(session, row: Job | LongTextPart, score: float | None, note: str) -> Clip:
    """Store a person's score of a result or a long-text part and refresh its reference clip's mean; commits."""
    row.score, row.note = checked_score(score), note or ""
    if isinstance(row, Job):
        row.scored_at = utcnow()
    session.add(row)
    session.flush()
    model = type(row)
    clip = session.get(Clip, row.clip_id)
    setattr(clip, _CLIP_MEAN_OF[model], session.exec(select(func.avg(model.score)).where(
        model.clip_id == clip.id, col(model.score).is_not(None))).one())
    session.add(clip)
    session.commit()
    return clip


def score_result(*, ws: Workspace, role: str, result_id: int, score: float | None, note: str = "") -> Result:
    """Store a person's score at once; the reference clip's mean score follows."""
    score = checked_score(score)
    with ws.role_session(role) as session:
        job = get_row(session, Job, result_id, "result", role)
        if job.status != "done":
            raise Conflict(f"result {result_id} has no audio to score (status {job.status}); score a finished one")
        save_score(session, job, score, note)
    return get_result(ws=ws, role=role, result_id=result_id)


def compare_by_variable(*, ws: Workspace, role: str, task_id: int, by: str = "param_set") -> list[VariableGroup]:
    """Per parameter set (or per reference clip, or per text): count, mean score, mean duration, mean auto
    score of the finished takes."""
    group = {"param_set": Job.param_set_id, "clip": Job.clip_id, "text": Job.text_id}.get(by)
    if group is None:
        raise InputError(f"compare by 'param_set', 'clip' or 'text', not {str(by)[:40]!r}")
    with ws.role_session(role) as session:
        get_task(session, role, task_id)
        rows = session.exec(
            select(group, func.count(), func.avg(Job.score), func.count(Job.score), func.avg(Job.duration),
                   func.avg(Job.auto_score))
            .where(Job.task_id == task_id, Job.status == "done").group_by(group).order_by(group)).all()
        labels = _labels(session, task_id, by, [r[0] for r in rows])
    return [VariableGroup(key=key, label=labels.get(key, str(key)), count=count, scored=scored,
                          mean_score=_round(mean_score), mean_duration=_round(mean_duration),
                          mean_auto=_round(mean_auto))
            for key, count, mean_score, scored, mean_duration, mean_auto in rows]


def _labels(session, task_id: int, by: str, keys: list) -> dict:
    if by == "param_set":
        return {ps.id: ps.label for ps in session.exec(select(ParamSet).where(ParamSet.task_id == task_id)).all()}
    if by == "clip":
        clips = session.exec(select(Clip).where(col(Clip.id).in_(keys))).all()
        return {c.id: f"#{c.id} {c.text[:24]}" for c in clips}
    texts = session.exec(select(Job.text_id, Job.text).where(Job.task_id == task_id).distinct()).all()
    return {text_id: text[:24] for text_id, text in texts}


def _round(value):
    return round(float(value), 3) if value is not None else None


def param_sets(*, ws: Workspace, role: str, task_id: int) -> list[ParamSetInfo]:
    with ws.role_session(role) as session:
        get_task(session, role, task_id)
        return [ParamSetInfo(id=ps.id, label=ps.label, params=ps.params)
                for ps in session.exec(select(ParamSet).where(ParamSet.task_id == task_id)
                                       .order_by(ParamSet.id)).all()]
