"""A full disk holds a role's tasks without using an attempt; the held jobs go back to the queue by
themselves once the disk has room again."""
from __future__ import annotations

import pytest

from ras.library import roles
from ras.queue import disk_hold
from ras.queue.disk_hold import DiskHold
from ras.store.role_tables import Clip, Job, ParamSet, Task
from ras.store.workspace import Workspace


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace(tmp_path / "roles")
    roles.create_role(ws=workspace, category="磁盘", name="满")
    yield workspace
    workspace.close()


def running_job(ws, role: str) -> int:
    with ws.role_session(role) as session:
        clip = Clip(audio="ref.wav", speaker="s", text="t", duration=5.0, content_hash="h")
        task = Task(name="t", spec_json="{}")
        session.add_all([clip, task])
        session.flush()
        params = ParamSet(task_id=task.id, params_json="{}", label="base")
        session.add(params)
        session.flush()
        job = Job(task_id=task.id, param_set_id=params.id, clip_id=clip.id, text="t", text_lang="en",
                  status="running", attempts=1, worker="w")
        session.add(job)
        session.commit()
        return job.id


def job_state(ws, role: str, job_id: int) -> tuple[str, int]:
    with ws.role_session(role) as session:
        job = session.get(Job, job_id)
        return job.status, job.attempts


def test_held_jobs_queue_again_without_an_attempt_once_there_is_room(ws, monkeypatch):
    role, free = "磁盘-满", {"bytes": 0}
    monkeypatch.setattr(disk_hold, "free_bytes", lambda folder: free["bytes"])
    monkeypatch.setattr(disk_hold, "CHECK_SECONDS", 0.0)
    job_id = running_job(ws, role)
    hold = DiskHold(ws)

    message = hold.hold(role, job_id)
    assert message.startswith("disk full") and "continues by itself" in message
    assert hold.hold(role, job_id) is None  # said once per wait
    assert hold.holds(role) and hold.reason(role) == message

    assert hold.release_where_space() == []  # still full
    assert job_state(ws, role, job_id) == ("running", 1) and hold.holds(role)

    free["bytes"] = disk_hold.RESUME_FREE_BYTES
    assert hold.release_where_space() == [role]
    assert job_state(ws, role, job_id) == ("queued", 0)
    assert not hold.holds(role) and hold.reason(role) == ""
