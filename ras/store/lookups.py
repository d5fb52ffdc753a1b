"""Stored things that several services look up the same way: a task row by id, a clip's audio file."""
from __future__ import annotations

from pathlib import Path

from ras.store.db import get_row
from ras.store.role_tables import Clip, Task
from ras.store.workspace import Workspace


def get_task(session, role: str, task_id: int) -> Task:
    """The task row, or RowNotFound naming the task and the role."""
    return get_row(session, Task, task_id, "task", role)


def clip_audio_path(ws: Workspace, role: str, clip: Clip) -> Path:
    """Stored paths are relative to the role folder when copied in, absolute otherwise."""
    path = Path(clip.audio)
    return path if path.is_absolute() else ws.role_dir(role) / path
