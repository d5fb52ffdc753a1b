"""A role exported as one archive comes back, in another roles folder, with every row and file."""
from __future__ import annotations

import hashlib
import sqlite3
import zipfile
from contextlib import closing
from pathlib import Path

import pytest

from ras.library import backup, clips, importer, roles
from ras.library.roles import RoleExists
from ras.store.workspace import Workspace
from tests.fixtures.app import write_tone

ROLE = "女性-备份"


@pytest.fixture
def source_ws(tmp_path):
    ws = Workspace(tmp_path / "here" / "roles")
    roles.create_role(ws=ws, category="女性", name="备份")
    data = tmp_path / "data"
    for i, seconds in enumerate((4.0, 5.0, 12.0)):
        write_tone(data / f"c{i}.wav", seconds, seed=i)
    (data / "copied.list").write_text("c0.wav|s|zh|第一句\nc1.wav|s|en|second line\n", encoding="utf-8")
    (data / "kept.list").write_text("c2.wav|s|ja|三番目\n", encoding="utf-8")
    importer.import_list(ws=ws, role=ROLE, list_path=data / "copied.list")
    importer.import_list(ws=ws, role=ROLE, list_path=data / "kept.list", copy_audio=False)
    clips.update_clip(ws=ws, role=ROLE, clip_id=1, text="校对过的第一句", valid=False)
    (ws.role_dir(ROLE) / "results" / "1").mkdir(parents=True)
    write_tone(ws.role_dir(ROLE) / "results" / "1" / "1.wav", 2.0, seed=9)
    yield ws
    ws.close()


def table_rows(db: Path) -> dict[str, list[tuple]]:
    with closing(sqlite3.connect(db)) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        return {t: conn.execute(f'SELECT * FROM "{t}" ORDER BY rowid').fetchall() for t in tables}


def folder_files(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in folder.rglob("*") if p.is_file() and not p.name.startswith("role.db")
            and p.relative_to(folder).parts[0] != backup.EXPORTS_DIR}


def test_round_trip_keeps_every_row_and_file(source_ws, tmp_path):
    archive = backup.export_role(ws=source_ws, role=ROLE)
    target_ws = Workspace(tmp_path / "elsewhere" / "roles")
    try:
        assert backup.import_role(ws=target_ws, archive=archive) == ROLE
        before = table_rows(source_ws.role_dir(ROLE) / "role.db")
        after = table_rows(target_ws.role_dir(ROLE) / "role.db")
        assert after.keys() == before.keys()
        kept = clips.get_clip(ws=source_ws, role=ROLE, clip_id=3)
        for table, rows in before.items():
            if table == "clip":  # the clip kept in place now travels inside the archive
                rows = [r if r[0] != 3 else (3, f"audio/{kept.content_hash}.wav", *r[2:]) for r in rows]
            assert after[table] == rows, table
        source_files = folder_files(source_ws.role_dir(ROLE))
        moved_files = folder_files(target_ws.role_dir(ROLE))
        outside_hash = hashlib.sha256(Path(kept.audio).read_bytes()).hexdigest()
        assert moved_files == {**source_files, f"audio/{kept.content_hash}.wav": outside_hash}
        moved = clips.list_clips(ws=target_ws, role=ROLE).clips
        assert [c.text for c in moved] == ["校对过的第一句", "second line", "三番目"]
        assert not any(c.missing for c in moved)
        assert all(c.audio.startswith(str(target_ws.roles_dir)) for c in moved)
    finally:
        target_ws.close()


def test_import_under_a_new_name_and_refuse_an_existing_one(source_ws, tmp_path):
    archive = backup.export_role(ws=source_ws, role=ROLE)
    with pytest.raises(RoleExists, match="already exists"):
        backup.import_role(ws=source_ws, archive=archive)
    assert backup.import_role(ws=source_ws, archive=archive, name="女性-副本") == "女性-副本"
    assert roles.clip_count(ws=source_ws, role="女性-副本") == 3


def test_archives_that_are_not_role_exports_are_refused_and_leave_nothing(source_ws, tmp_path):
    not_zip = tmp_path / "a.zip"
    not_zip.write_bytes(b"not a zip at all")
    foreign = tmp_path / "foreign.zip"
    with zipfile.ZipFile(foreign, "w") as zf:
        zf.writestr("readme.txt", "hello")
    sneaky = tmp_path / "sneaky.zip"
    with zipfile.ZipFile(sneaky, "w") as zf:
        zf.writestr(backup.MANIFEST, '{"format": "ras-role", "version": 1, "role": "女性-偷"}')
        zf.writestr(backup.ROLE_DB_NAME, "")
        zf.writestr("../../escaped.txt", "x")
    for archive, message in ((not_zip, "not a zip"), (foreign, "not a RAS role archive"),
                             (sneaky, "outside the role folder")):
        before = sorted(p.name for p in source_ws.roles_dir.iterdir())
        with pytest.raises(ValueError, match=message):
            backup.import_role(ws=source_ws, archive=archive)
        assert sorted(p.name for p in source_ws.roles_dir.iterdir()) == before
    assert not (tmp_path / "escaped.txt").exists()
