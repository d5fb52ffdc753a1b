"""Classify a role's clips by voice/style: groups, similarity, the map, over the cached embeddings.

The embeddings come from ras.analysis.embeddings (the encoder is passed in, see
default_encoder there); functions that only read vectors use the encoder name
given, or the one with the most cached vectors in the role.

Group names: a new clustering replaces all of the role's groups. A new group
inherits the name a person gave an old group (anything but the default
"组N") when most of its clips came from that group, so renaming 平静/激动
survives re-clustering with a different threshold; other groups are called
组1, 组2, ... by size.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
from sqlalchemy import delete, func, update
from sqlmodel import col, select

from ras.analysis.embeddings import compute_embeddings
from ras.classify import clustering
from ras.errors import Conflict, InputError, NotFound
from ras.store.db import get_row
from ras.store.lookups import UNNAMED_GROUP, group_names
from ras.store.role_tables import Clip, ClipEmbedding, ClipGroup
from ras.store.workspace import Workspace

MAX_GROUP_NAME = 50


@dataclass(frozen=True)
class GroupRow:
    """A group of the role's clips: its members and the member closest to the group's centre."""

    id: int
    group: str  # the group's name
    clip_ids: list[int]
    count: int
    mean_duration: float | None  # seconds; None for an empty group
    representative: int | None  # a clip id; None for an empty group


@dataclass(frozen=True)
class Classification:
    groups: list[GroupRow]


@dataclass(frozen=True)
class SimilarClip:
    id: int
    similarity: float  # cosine, 1 for the clip itself


@dataclass(frozen=True)
class MapPoint:
    """A clip on the groups map (2-D PCA of its speaker vector)."""

    id: int
    x: float
    y: float
    group: str  # empty for a clip in no group


@dataclass(frozen=True)
class GroupName:
    id: int
    group: str


def _encoder_name(session, encoder_name: str | None) -> str:
    if encoder_name:
        return encoder_name
    counts = session.exec(select(ClipEmbedding.encoder, func.count()).group_by(ClipEmbedding.encoder)).all()
    if not counts:
        raise Conflict("no clip embeddings yet: compute the embeddings first (step 1 of the classify tab)")
    return max(counts, key=lambda row: row[1])[0]


def _load_vectors(session, encoder_name: str | None) -> tuple[list[int], np.ndarray]:
    """(clip ids, matrix) of every clip that has a vector for the encoder, in clip order."""
    name = _encoder_name(session, encoder_name)
    rows = session.exec(select(ClipEmbedding.clip_id, ClipEmbedding.vector)
                        .where(ClipEmbedding.encoder == name).order_by(col(ClipEmbedding.clip_id))).all()
    if not rows:
        raise Conflict(f"no clip embeddings for encoder {name!r}: compute the embeddings first")
    return [r[0] for r in rows], np.vstack([np.frombuffer(r[1], dtype="<f4") for r in rows])


def classify(*, ws: Workspace, role: str, n_groups: int | None = None, threshold: float | None = None,
             encoder=None, encoder_name: str | None = None) -> Classification:
    """Cluster the embedded clips and replace the role's groups (writes Clip.group_id).

    With an encoder, missing embeddings are computed first. Clips without a
    vector (unreadable files) end up in no group.
    """
    if (n_groups is None) == (threshold is None):
        raise InputError("give either a number of groups or a distance threshold, not both or neither")
    if threshold is not None and not 0 <= float(threshold) <= 2:
        raise InputError(f"the distance threshold is a cosine distance between 0 and 2, not {threshold}")
    if encoder is not None:
        compute_embeddings(ws=ws, role=role, encoder=encoder)
        encoder_name = encoder.name
    with ws.role_session(role) as session:
        ids, matrix = _load_vectors(session, encoder_name)
        if n_groups is not None and not 1 <= int(n_groups) <= len(ids):
            raise InputError(f"number of groups must be between 1 and the {len(ids)} embedded clips, not {n_groups}")
        labels = clustering.cluster(matrix, n_groups=n_groups, threshold=threshold)
        old_group = dict(session.exec(select(Clip.id, Clip.group_id)).all())
        old_names = group_names(session)
        names = _group_names(labels, ids, old_group, old_names)
        session.execute(update(Clip).values(group_id=None))
        session.execute(delete(ClipGroup))
        groups = [ClipGroup(name=name) for name in names]
        session.add_all(groups)
        session.flush()
        for label, group in enumerate(groups):
            members = [clip_id for clip_id, lab in zip(ids, labels) if lab == label]
            session.execute(update(Clip).where(col(Clip.id).in_(members)).values(group_id=group.id))
        session.commit()
    return Classification(groups=list_groups(ws=ws, role=role, encoder_name=encoder_name))


def _group_names(labels, ids, old_group: dict, old_names: dict) -> list[str]:
    """Per new label (0 = largest): an inherited user name or 组N (see the module doc)."""
    names: list[str] = []
    for label in range(int(labels.max()) + 1):
        members = [clip_id for clip_id, lab in zip(ids, labels) if lab == label]
        votes = Counter(old_group.get(m) for m in members)
        old_id, count = votes.most_common(1)[0]
        inherited = old_names.get(old_id)
        if inherited and not UNNAMED_GROUP.match(inherited) and count * 2 > len(members) and inherited not in names:
            names.append(inherited)
        else:
            names.append(None)
    taken, number = set(n for n in names if n), 0
    for i, name in enumerate(names):
        if name is None:
            number += 1
            while f"组{number}" in taken:
                number += 1
            names[i] = f"组{number}"
            taken.add(names[i])
    return names


def list_groups(*, ws: Workspace, role: str, encoder_name: str | None = None) -> list[GroupRow]:
    """The role's groups in group id order. The representative is the member closest to the group's centroid (first
    member when the group has no embeddings).
    """
    with ws.role_session(role) as session:
        groups = session.exec(select(ClipGroup).order_by(col(ClipGroup.id))).all()
        members = session.exec(select(Clip.id, Clip.group_id, Clip.duration)
                               .where(col(Clip.group_id).is_not(None)).order_by(col(Clip.id))).all()
        try:
            ids, matrix = _load_vectors(session, encoder_name)
        except Conflict:  # only hand-made groups: no representative by voice
            ids, matrix = [], np.zeros((0, 0))
    row_of = {clip_id: i for i, clip_id in enumerate(ids)}
    result = []
    for group in groups:
        clip_ids = [m[0] for m in members if m[1] == group.id]
        durations = [m[2] for m in members if m[1] == group.id]
        embedded = [c for c in clip_ids if c in row_of]
        representative = clip_ids[0] if clip_ids else None
        if embedded:
            rep = clustering.representatives(matrix[[row_of[c] for c in embedded]], np.zeros(len(embedded)))
            representative = embedded[rep[0]]
        result.append(GroupRow(id=group.id, group=group.name, clip_ids=clip_ids, count=len(clip_ids),
                               mean_duration=round(float(np.mean(durations)), 3) if durations else None,
                               representative=representative))
    return result


def similar_clips(*, ws: Workspace, role: str, clip_id: int, limit: int = 20,
                  encoder_name: str | None = None) -> list[SimilarClip]:
    """The clips most similar (cosine) to clip_id, itself first."""
    with ws.role_session(role) as session:
        ids, matrix = _load_vectors(session, encoder_name)
    if clip_id not in ids:
        raise Conflict(f"clip {clip_id} has no speaker vector: compute the embeddings first (or its audio file is "
                       f"unreadable)")
    index = ids.index(clip_id)
    scores = clustering.similarities(matrix, index)
    order = clustering.rank_similar(matrix, index)[:max(1, int(limit))]
    return [SimilarClip(id=ids[i], similarity=round(float(scores[i]), 4)) for i in order]


def map_points(*, ws: Workspace, role: str, encoder_name: str | None = None) -> list[MapPoint]:
    """2-D PCA coordinates of every embedded clip for the groups map."""
    with ws.role_session(role) as session:
        ids, matrix = _load_vectors(session, encoder_name)
        group_of = dict(session.exec(select(Clip.id, Clip.group_id)).all())
        names = group_names(session)
    coords = clustering.project_2d(matrix)
    return [MapPoint(id=clip_id, x=round(float(x), 5), y=round(float(y), 5), group=names.get(group_of.get(clip_id), ""))
            for clip_id, (x, y) in zip(ids, coords)]


def move_clips(*, ws: Workspace, role: str, clip_ids: list[int], group_id: int | None) -> int:
    """Put clips into a group (None: into no group); returns how many moved. Unknown ids are an error."""
    clip_ids = sorted({int(c) for c in clip_ids})
    if not clip_ids:
        raise InputError("no clips given to move: type their ids")
    with ws.role_session(role) as session:
        if group_id is not None:
            get_row(session, ClipGroup, group_id, "group", role)
        known = set(session.exec(select(Clip.id).where(col(Clip.id).in_(clip_ids))).all())
        unknown = [c for c in clip_ids if c not in known]
        if unknown:
            raise NotFound(f"clip(s) {unknown} not found in role {role!r}; refresh the clip list")
        session.execute(update(Clip).where(col(Clip.id).in_(clip_ids)).values(group_id=group_id))
        session.commit()
    return len(clip_ids)


def create_group(*, ws: Workspace, role: str, name: str) -> int:
    """A new, empty group (move clips into it); returns its id."""
    with ws.role_session(role) as session:
        group = ClipGroup(name=_checked_name(session, name))
        session.add(group)
        session.commit()
        return group.id


def rename_group(*, ws: Workspace, role: str, group_id: int, name: str) -> GroupName:
    with ws.role_session(role) as session:
        group = get_row(session, ClipGroup, group_id, "group", role)
        group.name = _checked_name(session, name, except_id=group.id)
        session.add(group)
        session.commit()
        return GroupName(id=group.id, group=group.name)


def _checked_name(session, name: str, except_id: int | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise InputError("a group name cannot be empty; type one")
    if len(name) > MAX_GROUP_NAME:
        raise InputError(f"a group name has at most {MAX_GROUP_NAME} characters, not {len(name)}")
    clash = session.exec(select(ClipGroup).where(ClipGroup.name == name)).first()
    if clash is not None and clash.id != except_id:
        raise InputError(f"a group named {name!r} already exists; choose another name")
    return name
