"""A role's emotion tags: a person's edit, a classify group's name, and how many clips each emotion has.

Tags from file and folder names are set by the importer, tags from the emotion model by its job; every
writer goes through `write_tags`, which asks `may_replace` (ras.emotions), so a person's tag is never overwritten.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, update
from sqlmodel import col, select

from ras.emotions import emotion_code, may_replace
from ras.errors import InputError, NotFound
from ras.library.clips import ClipRow, clip_row
from ras.store.db import get_row
from ras.store.lookups import UNNAMED_GROUP, group_names
from ras.store.role_tables import Clip, ClipGroup
from ras.store.workspace import Workspace


@dataclass(frozen=True)
class EmotionTag:
    """A clip's emotion as one source tells it."""

    emotion: str  # "" = none (a person cleared it, or the model heard no emotion)
    source: str  # a key of ras.emotions.SOURCE_RANK
    confidence: float = 1.0


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


def write_tags(session, tags: Mapping[int, EmotionTag]) -> list[int]:
    """Give each clip (by id) its tag where the tag's source may replace the clip's current one; returns the
    ids written, in the order given (ids not in the role are left out). The caller commits."""
    held = dict(session.exec(select(Clip.id, Clip.emotion_source).where(col(Clip.id).in_(list(tags)))).all())
    written = [clip_id for clip_id, tag in tags.items() if clip_id in held and may_replace(held[clip_id], tag.source)]
    same_tag: dict[EmotionTag, list[int]] = defaultdict(list)  # one UPDATE per distinct tag (a group's clips share one)
    for clip_id in written:
        same_tag[tags[clip_id]].append(clip_id)
    for tag, clip_ids in same_tag.items():
        session.execute(update(Clip).where(col(Clip.id).in_(clip_ids))
                        .values(emotion=tag.emotion, emotion_source=tag.source, emotion_confidence=tag.confidence))
    return written


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
        write_tags(session, {clip.id: EmotionTag(code, "person") for clip in found})
        session.commit()
        names = group_names(session)
        return [clip_row(ws, role, clip, names) for clip in sorted(found, key=lambda c: c.id)]


def tag_group(*, ws: Workspace, role: str, group_id: int) -> GroupEmotion:
    """Tag a classify group's clips with the group's name as their emotion (a person's tags stay)."""
    with ws.role_session(role) as session:
        group = get_row(session, ClipGroup, group_id, "group", role)
        if UNNAMED_GROUP.match(group.name):
            raise InputError(f"group {group.name!r} has no emotion in its name; rename it to the emotion of its "
                             f"clips (开心, 平静, ...) first")
        code = emotion_code(group.name)
        members = session.exec(select(Clip.id).where(Clip.group_id == group.id)).all()
        if not members:
            raise InputError(f"group {group.name!r} has no clips to tag; move clips into it first")
        tagged = write_tags(session, {clip_id: EmotionTag(code, "group") for clip_id in members})
        session.commit()
        return GroupEmotion(group=group.name, emotion=code, tagged=len(tagged), kept=len(members) - len(tagged))
