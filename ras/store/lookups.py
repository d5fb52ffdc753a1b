"""Stored things that several services look up the same way: a task row by id, a clip's audio file, the
names of the role's clip groups."""
from __future__ import annotations

import re
from pathlib import Path

from sqlmodel import col, select

from ras.store.db import get_row
from ras.store.role_tables import Clip, ClipGroup, Job, Task
from ras.store.workspace import Workspace

UNNAMED_GROUP = re.compile(r"^组\d+$")  # the name clustering gives a group (组1, 组2 ...) until a person renames it


def get_task(session, role: str, task_id: int) -> Task:
    """The task row, or RowNotFound naming the task and the role."""
    return get_row(session, Task, task_id, "task", role)


def clip_audio_path(ws: Workspace, role: str, clip: Clip) -> Path:
    """Stored paths are relative to the role folder when copied in, absolute otherwise."""
    path = Path(clip.audio)
    return path if path.is_absolute() else ws.role_dir(role) / path


def group_names(session) -> dict[int, str]:
    """The role's clip groups: id -> name."""
    return dict(session.exec(select(ClipGroup.id, ClipGroup.name)).all())


def task_languages(ws: Workspace, role: str, task_id: int) -> list[str]:
    """The text languages of a task's jobs (GPT-SoVITS codes, as stored)."""
    with ws.role_session(role) as session:
        return sorted(set(session.exec(select(Job.text_lang).where(Job.task_id == task_id).distinct()).all()))


def role_languages(ws: Workspace, role: str) -> list[str]:
    """The languages a role's clips are in and its takes were asked in (GPT-SoVITS codes, as stored)."""
    with ws.role_session(role) as session:
        found = set(session.exec(select(Clip.lang).distinct()).all())
        found |= set(session.exec(select(Job.text_lang).where(col(Job.text_lang) != "").distinct()).all())
    return sorted(lang for lang in found if lang)
