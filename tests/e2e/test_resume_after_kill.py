"""Kill the web process mid-task, start it again: the task resumes, nothing finished is lost or redone."""
from __future__ import annotations

import os
import signal
import sqlite3

import pytest

from tests.fixtures.app import gsv_app_args, launch_app, wait_for
from tests.fixtures.gsv import make_ref_wav

pytestmark = [pytest.mark.gsv, pytest.mark.slow]


def job_rows(roles_dir, role):
    with sqlite3.connect(roles_dir / role / "role.db") as db:
        return db.execute("SELECT id, status, attempts, result_path FROM job ORDER BY id").fetchall()


def test_killed_web_process_resumes_the_task(tmp_path, tiny_gsv, gsv_worker_env):
    args, roles_dir = gsv_app_args(tiny_gsv), tmp_path / "roles"
    app = launch_app(tmp_path, *args, roles_dir=roles_dir, env_extra=gsv_worker_env)
    client = app.client()
    make_ref_wav(tmp_path / "ref.wav", "The reference speaker reads one calm sentence here.", speed=130)
    (tmp_path / "r.list").write_text(f"{tmp_path / 'ref.wav'}|s|en|The reference speaker reads one calm sentence here.")
    role = client.predict("恢复", "测试", api_name="/create_role")["role"]
    client.predict(role, str(tmp_path / "r.list"), True, api_name="/import_list")
    text_ids = [client.predict(f"Sentence number {i} of the resume test.", "en", "", api_name="/add_text")["id"]
                for i in range(8)]
    spec = {"name": "resume", "clip_ids": [1], "text_ids": text_ids,
            "base": {"gpt": str(tiny_gsv.gpt[0]), "sovits": str(tiny_gsv.sovits[0]), "seed": 5}}
    task_id = client.predict(role, spec, api_name="/create_task")["task_id"]
    client.predict(role, task_id, api_name="/run_task")
    wait_for(lambda: client.predict(role, task_id, api_name="/task_status")["done"] >= 2, timeout=240,
             what="two finished jobs")
    os.kill(app.process.pid, signal.SIGKILL)  # no clean shutdown, as in a crash or a closed console
    app.process.wait()

    before = {row[0]: row for row in job_rows(roles_dir, role) if row[1] == "done"}
    stamps = {job_id: os.stat(roles_dir / role / row[3]).st_mtime_ns for job_id, row in before.items()}
    assert len(before) >= 2

    again = launch_app(tmp_path, *args, roles_dir=roles_dir, env_extra=gsv_worker_env)
    try:
        client = again.client()
        status = wait_for(lambda: (s := client.predict(role, task_id, api_name="/task_status"))["done"] == 8 and s,
                          timeout=300, what="the resumed task to finish")
        assert status["failed"] == 0
        rows = {row[0]: row for row in job_rows(roles_dir, role)}
        for job_id, stamp in stamps.items():  # finished before the kill: kept, not run again
            assert rows[job_id][2] == 1
            assert os.stat(roles_dir / role / rows[job_id][3]).st_mtime_ns == stamp
    finally:
        again.stop()
