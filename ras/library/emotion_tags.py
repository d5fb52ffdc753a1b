"""A role's emotion tags: a person's edit, a classify group's name, and how many clips each emotion has.

Tags from file and folder names are set by the importer, tags from the emotion model by its job; every
writer goes through `may_replace` (ras.emotions), so a person's tag is never overwritten.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, update
from sqlmodel import col, select

from ras.emotions import emotion_code, may_replace
from ras.errors import InputError, NotFound
from ras.library.clips import ClipRow, clip_row
from ras.store.db import get_row
from ras.store.role_tables import Clip, ClipGroup
from ras.store.workspace import Workspace

UNNAMED_GROUP = re.compile(r"^组\d+$")  # the name clustering gives; not an emotion until a person renames it


@dataclass(frozen=True)
class EmotionCount:
    emotion: str  # "" = untagged
    count: int


@dataclass(frozen=True)
class GroupEmotion:
    """A classify group's clips tagged with the group's name."""

    group: str
    emotion: str
    tagged: int
    kept: int  # members whose tag a person set, left as they were


def emotion_counts(*, ws: Workspace, role: str) -> list[EmotionCount]:
    """Clips per emotion, the largest first, the untagged clips last."""
    with ws.role_session(role) as session:
        rows = session.exec(select(Clip.emotion, func.count()).group_by(Clip.emotion)).all()
    tagged = sorted((EmotionCount(e, n) for e, n in rows if e), key=lambda c: (-c.count, c.emotion))
    return tagged + [EmotionCount("", n) for e, n in rows if not e]


def set_clip_emotion(*, ws: Workspace, role: str, clip_ids, emotion: str) -> list[ClipRow]:
    """A person's tag on these clips ("" clears it); it wins over every other source from now on."""
    wanted = sorted({int(c) for c in clip_ids})
    if not wanted:
        raise InputError("no clip given to tag: choose a clip first")
    code = emotion_code(emotion) if (emotion or "").strip() else ""
    with ws.role_session(role) as session:
        found = session.exec(select(Clip).where(col(Clip.id).in_(wanted))).all()
        missing = sorted(set(wanted) - {c.id for c in found})
        if missing:
            raise NotFound(f"clip(s) {missing} not found in role {role!r}; refresh the clip list")
        for clip in found:
            clip.emotion, clip.emotion_source, clip.emotion_confidence = code, "person", 1.0
            session.add(clip)
        session.commit()
        names = {g.id: g.name for g in session.exec(select(ClipGroup)).all()}
        return [clip_row(ws, role, clip, names) for clip in sorted(found, key=lambda c: c.id)]


def tag_group(*, ws: Workspace, role: str, group_id: int) -> GroupEmotion:
    """Tag a classify group's clips with the group's name as their emotion (a person's tags stay)."""
    with ws.role_session(role) as session:
        group = get_row(session, ClipGroup, group_id, "group", role)
        if UNNAMED_GROUP.match(group.name):
            raise InputError(f"group {group.name!r} has no emotion in its name; rename it to the emotion of its "
                             f"clips (开心, 平静, ...) first")
        code = emotion_code(group.name)
        members = session.exec(select(Clip.id, Clip.emotion_source).where(Clip.group_id == group.id)).all()
        if not members:
            raise InputError(f"group {group.name!r} has no clips to tag; move clips into it first")
        tagged = [clip_id for clip_id, source in members if may_replace(source, "group")]
        session.execute(update(Clip).where(col(Clip.id).in_(tagged))
                        .values(emotion=code, emotion_source="group", emotion_confidence=1.0))
        session.commit()
        return GroupEmotion(group=group.name, emotion=code, tagged=len(tagged), kept=len(members) - len(tagged))
