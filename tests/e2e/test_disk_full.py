"""The roles folder on a small tmpfs that fills up: synthesis and import stop with "disk full" naming
the folder, nothing half-written remains, the database stays sound, and the task goes on once space
is freed."""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import httpx
import pytest

from ras.store.workspace import ROLE_DB_NAME
from tests.fixtures.app import role_with_references, wait_for, write_tone
from tests.fixtures.gsv import REF_TEXT
from tests.fixtures.planted import launch_planted_app, start_planted_server
from tests.fixtures.planted_engine import Profile

JOBS = 40
LEFT_FREE = 700_000  # room for about three takes


@pytest.fixture
def small_roles_disk(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a 20 MB tmpfs for the roles folder needs root")
    roles = tmp_path / "roles"
    roles.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=20m", "tmpfs", str(roles)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    yield roles
    subprocess.run(["umount", "-l", str(roles)], check=False)


def fill(folder: Path, leave: int) -> Path:
    filler = folder / "filler.bin"
    with open(filler, "wb") as fh:
        remaining = shutil.disk_usage(folder).free - leave
        while remaining > 0:
            remaining -= fh.write(b"\0" * min(remaining, 1 << 20))
    return filler


def status_or_none(client, role: str, task_id: int) -> dict | None:
    """The task's status; None when the app was too busy to answer in time (asked again)."""
    try:
        return client.predict(role, task_id, api_name="/task_status")
    except httpx.TimeoutException:
        return None


def stray_files(role_dir: Path) -> list[str]:
    return [str(p.relative_to(role_dir)) for p in role_dir.rglob("*") if "partial" in p.name]


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_full_disk_stops_synthesis_and_import_then_the_task_goes_on(tmp_path, small_roles_disk):
    server = start_planted_server(tmp_path, {"default": Profile()})
    app = None
    try:
        app = launch_planted_app(tmp_path, [server])
        assert app.roles_dir == small_roles_disk
        client = app.client()
        role, clip_ids = role_with_references(client, tmp_path, "磁盘", "满了", voices=(("en+m3", REF_TEXT),))
        role_dir = small_roles_disk / role
        text_id = client.predict("Please send the report before noon on Friday.", "en", "",
                                 api_name="/add_text")["id"]
        models = client.predict(api_name="/list_models")
        spec = {"clip_ids": clip_ids, "text_ids": [text_id], "vary": {"seed": list(range(1, JOBS + 1))},
                "base": {"gpt": models["gpt"][0]["name"], "sovits": models["sovits"][0]["name"]}}
        task_id = client.predict(role, spec, api_name="/create_task")["task_id"]
        filler = fill(small_roles_disk, LEFT_FREE)
        client.predict(role, task_id, api_name="/run_task")

        def paused():
            status = status_or_none(client, role, task_id)
            return status if status and status["paused"] else None

        status = wait_for(paused, timeout=180, what="the task to stop on the full disk")
        assert "disk full" in status["paused"] and str(role_dir) in status["paused"]
        assert status["done"] < JOBS and status["failed"] == 0

        # an import on the full disk stops with the same words and adds nothing
        write_tone(tmp_path / "big.wav", 8.0, seed=5)  # 512 KB of audio: more than is left
        (tmp_path / "big.list").write_text(f"{tmp_path / 'big.wav'}|spk|en|{REF_TEXT}", encoding="utf-8")
        with pytest.raises(Exception) as refused:
            client.predict(role, str(tmp_path / "big.list"), True, api_name="/import_list")
        assert "disk full" in str(refused.value) and str(role_dir) in str(refused.value)
        assert len(client.predict(role, api_name="/list_clips")["clips"]) == len(clip_ids)
        assert stray_files(role_dir) == []
        with sqlite3.connect(role_dir / ROLE_DB_NAME) as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            done_files = [r[0] for r in db.execute("SELECT result_path FROM job WHERE status = 'done'")]
        assert all((role_dir / path).is_file() for path in done_files)

        filler.unlink()

        def finished():
            status = status_or_none(client, role, task_id)
            return status if status and status["done"] + status["failed"] == JOBS and not status["running"] else None

        status = wait_for(finished, timeout=300, what="the task to go on after space was freed")
        assert (status["done"], status["failed"], status["paused"]) == (JOBS, 0, "")
        assert stray_files(role_dir) == []
        results = role_dir / "results" / str(task_id)
        assert len(list(results.glob("*.wav"))) == JOBS
    finally:
        if app is not None:
            app.stop()
        server.kill()
