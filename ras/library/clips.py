"""Browse and calibrate a role's clips."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import col, select

from ras.errors import InputError, NotFound
from ras.languages import require_lang
from ras.library.clip_checks import implausible_transcript, invalid_reason
from ras.store.db import get_row
from ras.store.lookups import clip_audio_path, group_names
from ras.store.main_tables import utcnow
from ras.store.role_tables import Clip
from ras.store.workspace import Workspace

CLIP_SORTS = {  # a fixed whitelist: never SQL built from request text
    "id": col(Clip.id),
    "duration": col(Clip.duration),
    "-duration": col(Clip.duration).desc(),
    "score": col(Clip.mean_score).desc(),
}


@dataclass(frozen=True)
class ClipFilter:
    text: str = ""
    min_duration: float | None = None
    max_duration: float | None = None
    valid: bool | None = None
    group_id: int | None = None
    emotion: str | None = None  # None: any; "": untagged clips only; else clips of this emotion


@dataclass(frozen=True)
class ClipRow:
    """A clip as the clip browser and /list_clips show it."""

    id: int
    audio: str
    speaker: str
    lang: str
    text: str
    duration: float
    valid: bool
    invalid_reason: str  # in words; empty for a usable clip
    group: str | None
    missing: bool  # the audio file is gone
    mean_score: float | None
    text_verified: bool
    edited: bool
    parent_clip_id: int | None
    emotion: str  # ras.emotions code or the role's own word; "" = untagged
    emotion_source: str  # name | folder | group | model | person; "" = untagged
    emotion_confidence: float | None


@dataclass(frozen=True)
class ClipPage:
    """One page of a role's clips and how many match the filter in all."""

    total: int
    clips: list[ClipRow]


def clip_row(ws: Workspace, role: str, clip: Clip, names: dict[int, str]) -> ClipRow:
    """The clip as the clip list shows it; `names` are the role's group names (group_names)."""
    audio = clip_audio_path(ws, role, clip)
    return ClipRow(
        id=clip.id, audio=str(audio), speaker=clip.speaker, lang=clip.lang, text=clip.text,
        duration=clip.duration, valid=clip.valid,
        invalid_reason=invalid_reason(valid=clip.valid, text=clip.text, duration=clip.duration, lang=clip.lang),
        group=names.get(clip.group_id) if clip.group_id else None,
        missing=not audio.is_file(), mean_score=clip.mean_score,
        text_verified=clip.text_verified, edited=clip.edited_at is not None,
        parent_clip_id=clip.parent_clip_id, emotion=clip.emotion, emotion_source=clip.emotion_source,
        emotion_confidence=clip.emotion_confidence,
    )


def _filtered(query, flt: ClipFilter):
    if flt.text:
        query = query.where(col(Clip.text).contains(flt.text))
    if flt.min_duration is not None:
        query = query.where(Clip.duration >= flt.min_duration)
    if flt.max_duration is not None:
        query = query.where(Clip.duration <= flt.max_duration)
    if flt.valid is not None:
        query = query.where(Clip.valid == flt.valid)
    if flt.group_id is not None:
        query = query.where(Clip.group_id == flt.group_id)
    if flt.emotion is not None:
        query = query.where(Clip.emotion == flt.emotion)
    return query


def list_clips(*, ws: Workspace, role: str, flt: ClipFilter = ClipFilter(), sort: str = "id",
               page: int = 1, page_size: int | None = None) -> ClipPage:
    if sort not in CLIP_SORTS:
        raise InputError(f"unknown sort {sort!r}; use one of {', '.join(CLIP_SORTS)}")
    with ws.role_session(role) as session:
        total = session.exec(_filtered(select(func.count()).select_from(Clip), flt)).one()
        query = _filtered(select(Clip), flt).order_by(CLIP_SORTS[sort], col(Clip.id))
        if page_size:
            query = query.offset((max(page, 1) - 1) * page_size).limit(page_size)
        clips = session.exec(query).all()
        names = group_names(session)
    return ClipPage(total=total, clips=[clip_row(ws, role, c, names) for c in clips])


@dataclass(frozen=True)
class ClipLabel:
    """What a clip picker shows of a clip."""

    id: int
    text: str
    duration: float


def clip_labels(*, ws: Workspace, role: str, flt: ClipFilter = ClipFilter()) -> list[ClipLabel]:
    """The clips that match, by id, with only what a picker shows: a 1,000-clip role's full rows (each with
    its file looked up on disk) took a tenth of a second."""
    with ws.role_session(role) as session:
        found = session.exec(_filtered(select(Clip.id, Clip.text, Clip.duration), flt).order_by(col(Clip.id))).all()
    return [ClipLabel(id=i, text=t, duration=d) for i, t, d in found]


def get_clip(*, ws: Workspace, role: str, clip_id: int) -> Clip:
    with ws.role_session(role) as session:
        return get_row(session, Clip, clip_id, "clip", role)


def get_clips(*, ws: Workspace, role: str, clip_ids) -> dict[int, Clip]:
    """{id: clip} for these ids in one query; LookupError naming the ids the role does not have."""
    wanted = {int(c) for c in clip_ids}
    with ws.role_session(role) as session:
        found = {c.id: c for c in session.exec(select(Clip).where(col(Clip.id).in_(wanted))).all()}
    missing = sorted(wanted - found.keys())
    if missing:
        raise NotFound(f"clip(s) {missing} not found in role {role!r}; refresh the clip list")
    return found


def update_clip(*, ws: Workspace, role: str, clip_id: int, text: str | None = None,
                lang: str | None = None, valid: bool | None = None) -> ClipRow:
    """A person's calibration: recorded with a timestamp and marks the text verified."""
    with ws.role_session(role) as session:
        clip = get_row(session, Clip, clip_id, "clip", role)
        if lang is not None:
            clip.lang = require_lang(lang)
        if text is not None:
            if not text.strip():
                raise InputError("a clip's text cannot be empty; type what the clip says")
            excess = implausible_transcript(text, clip.lang, clip.duration)
            if excess is not None:
                raise InputError(f"a transcript of {excess.count} {excess.unit} is implausible for this "
                                 f"{clip.duration:.1f} s clip {excess.why}; check that it belongs to clip {clip_id}")
            clip.text = text.strip()
            clip.text_verified = True
        if valid is not None:
            clip.valid = bool(valid)
        clip.edited_at = utcnow()
        session.add(clip)
        session.commit()
        names = group_names(session)
        return clip_row(ws, role, clip, names)
