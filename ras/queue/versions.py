"""The GPT-SoVITS code version and the weights' model versions a task was made with.

Upstream GPT-SoVITS changes results between releases (default parameters, decoding, super
sampling), so a task records the code version its engine reports when it is created, with
the model version (v1, v2, v2Pro, ...) of every weight file its jobs use. Running it again on
another code version still runs, but says so with both versions.

A task created before versions were recorded, or with no GPT-SoVITS configured, has nothing
recorded; such a task records the versions at its first run if none of its jobs finished yet.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from sqlmodel import select

from gsv_integration.weights import NotAModelError, describe_weight
from ras.store.db import get_row
from ras.store.role_tables import Job, ParamSet, Task
from ras.store.workspace import Workspace

WEIGHT_KINDS = ("gpt", "sovits")
UNREADABLE = "unknown"  # a weight file that is gone or unreadable when the task is created


@dataclass(frozen=True)
class VersionChange:
    """A task is run on another GPT-SoVITS code version than the one it was created on."""

    created: str
    current: str

    def message(self) -> str:
        return (f"GPT-SoVITS changed since this task was created: created on {self.created}, running on "
                f"{self.current}. The task runs, but its new takes may differ from the earlier ones.")


@dataclass(frozen=True)
class WeightVersion:
    """A weight file a task's jobs use, with its model version (v1, v2, v2Pro ... or "unknown")."""

    kind: str  # gpt | sovits
    name: str  # the file's name
    file: str
    version: str


@dataclass(frozen=True)
class RecordedVersions:
    """What a task was made with; None for what was not recorded."""

    gsv_version: str | None
    weight_versions: tuple[WeightVersion, ...] | None


def describe_weights(param_sets: list[dict]) -> list[dict]:
    """Each distinct GPT and SoVITS file of the parameter sets with its model version, GPT first."""
    found: list[dict] = []
    for kind in WEIGHT_KINDS:
        for file in dict.fromkeys(p[kind] for p in param_sets if p.get(kind)):
            try:
                described = describe_weight(file, kind=kind)
                version = described["version"] + (" LoRA" if described["lora"] else "")
            except (NotAModelError, OSError):
                version = UNREADABLE
            found.append({"kind": kind, "name": file.replace("\\", "/").rsplit("/", 1)[-1], "file": file,
                          "version": version})
    return found


def record(session, task: Task, code_version: str) -> None:
    """Store the code version and the versions of the task's weights on the task (not committed)."""
    sets = session.exec(select(ParamSet).where(ParamSet.task_id == task.id)).all()
    task.gsv_version = code_version
    task.weight_versions_json = json.dumps(describe_weights([p.params for p in sets]), ensure_ascii=False)
    session.add(task)


def recorded(task) -> dict:
    """{"gsv_version", "weight_versions"} of a task or a product; None for what was not recorded (the
    product's export writes it as is; a task's status carries RecordedVersions)."""
    return {"gsv_version": task.gsv_version or None, "weight_versions": task.weight_versions}


def recorded_versions(task: Task) -> RecordedVersions:
    weights = task.weight_versions
    return RecordedVersions(gsv_version=task.gsv_version or None,
                            weight_versions=None if weights is None else tuple(WeightVersion(**w) for w in weights))


def task_versions(*, ws: Workspace, role: str, task_id: int) -> RecordedVersions:
    with ws.role_session(role) as session:
        return recorded_versions(get_row(session, Task, task_id, "task", role))


def check_before_run(*, ws: Workspace, role: str, task_id: int, current: str) -> VersionChange | None:
    """Called as a task starts running on the code version `current` ("" when unknown): the change
    from the version it was created on, if any. A task with nothing recorded and no finished job
    records `current` now, as its results will all come from it."""
    if not current:
        return None
    with ws.role_session(role) as session:
        task = get_row(session, Task, task_id, "task", role)
        if task.gsv_version:
            return VersionChange(task.gsv_version, current) if task.gsv_version != current else None
        finished = session.exec(select(Job.id).where(Job.task_id == task.id, Job.status == "done").limit(1)).first()
        if finished is None:
            record(session, task, current)
            session.commit()
    return None


def for_product(session, task_id: int, weight_files: tuple[str, str]) -> tuple[str, str]:
    """(gsv_version, weight_versions_json) a product made from a result of task `task_id` keeps:
    the task's code version and the entries of its two weight files."""
    task = session.get(Task, task_id)
    if task is None or not task.gsv_version:
        return "", ""
    kept = [w for w in task.weight_versions or [] if w["file"] in weight_files]
    return task.gsv_version, json.dumps(kept, ensure_ascii=False)
