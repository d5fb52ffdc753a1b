"""A role as one archive: export it, import it as a new role in this or another roles folder.

The archive holds a consistent snapshot of the role's DB (SQLite's backup API, so a task
running meanwhile cannot tear it), every file of the role folder, and a small manifest.
Paths inside stay relative to the role folder; clips kept in place (absolute paths) are
copied in and made relative, so the archive opens on another machine.
"""
from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
import uuid
import zipfile
from contextlib import closing
from pathlib import Path, PurePosixPath

from ras.audio.files import atomic_target
from ras.errors import InputError, NotFound
from ras.library.clip_checks import shorten
from ras.library.importer import AUDIO_SUBDIR
from ras.library.roles import RoleExists
from ras.names import validate_role_name
from ras.store.disk_space import DiskFull
from ras.store.workspace import ROLE_DB_NAME, RoleNotFound, Workspace

EXPORTS_DIR = "exports"  # inside the role folder, so the page can offer the archive for download
MANIFEST = "ras-role.json"
FORMAT = "ras-role"
FORMAT_VERSION = 1
SKIPPED_TOP_LEVEL = {EXPORTS_DIR, ROLE_DB_NAME, f"{ROLE_DB_NAME}-wal", f"{ROLE_DB_NAME}-shm", f"{ROLE_DB_NAME}-journal"}
MAX_ARCHIVE_FILES = 1_000_000


def _role_folder(ws: Workspace, role: str) -> Path:
    if not ws.role_exists(role):
        raise RoleNotFound(f"role {role!r} does not exist")
    ws.role_engine(role)  # migrated to the current schema before the snapshot
    return ws.role_dir(role)


def _snapshot(db_path: Path, target: Path) -> tuple[dict[str, Path], int]:
    """Copy the DB page by page through the backup API. Returns ({name in the archive: file} of clips
    kept in place, whose rows now point at `audio/<hash><suffix>`; the schema version)."""
    with closing(sqlite3.connect(db_path, timeout=30)) as source, closing(sqlite3.connect(target)) as copy:
        source.backup(copy)
    copy = sqlite3.connect(target)
    try:
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        outside = {}
        for clip_id, audio, digest in copy.execute("SELECT id, audio, content_hash FROM clip").fetchall():
            source_file = Path(audio)
            if source_file.is_absolute() and source_file.is_file():
                inside = f"{AUDIO_SUBDIR}/{digest}{source_file.suffix.lower()}"
                copy.execute("UPDATE clip SET audio = ? WHERE id = ?", (inside, clip_id))
                outside[inside] = source_file
        # a task that was running here is resumed only when someone starts it there
        copy.execute("UPDATE task SET state = 'idle'")
        copy.commit()
        version = copy.execute("PRAGMA user_version").fetchone()[0]
    finally:
        copy.close()
    return outside, version


def export_role(*, ws: Workspace, role: str) -> Path:
    """Writes `<role folder>/exports/<role>.zip` and returns it."""
    folder = _role_folder(ws, role)
    target = folder / EXPORTS_DIR / f"{role}.zip"
    target.parent.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ras-export-") as scratch:
        snapshot = Path(scratch) / ROLE_DB_NAME
        outside, version = _snapshot(folder / ROLE_DB_NAME, snapshot)
        with atomic_target(target) as temp, zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
            zf.writestr(MANIFEST, json.dumps({"format": FORMAT, "version": FORMAT_VERSION, "role": role,
                                              "schema_version": version}, ensure_ascii=False))
            zf.write(snapshot, ROLE_DB_NAME)
            written = set()
            for file in sorted(folder.rglob("*")):
                relative = file.relative_to(folder)
                if not file.is_file() or relative.parts[0] in SKIPPED_TOP_LEVEL or ".partial" in file.name:
                    continue
                zf.write(file, relative.as_posix())
                written.add(relative.as_posix())
            for name, source_file in outside.items():
                if name not in written:
                    zf.write(source_file, name)
    return target


def _safe_members(zf: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    members = zf.infolist()
    if len(members) > MAX_ARCHIVE_FILES:
        raise InputError(f"the archive holds {len(members)} files; a role archive holds at most {MAX_ARCHIVE_FILES}")
    for info in members:
        pure = PurePosixPath(info.filename.replace("\\", "/"))
        if pure.is_absolute() or ".." in pure.parts or ":" in info.filename:
            raise InputError(f"the archive names a file outside the role folder ({shorten(info.filename)}); "
                             f"it was not made by RAS's role export")
    return members


def _read_manifest(zf: zipfile.ZipFile, archive_name: str) -> dict:
    names = set(zf.namelist())
    if MANIFEST not in names or ROLE_DB_NAME not in names:
        raise InputError(f"{archive_name!r} is not a RAS role archive (no {MANIFEST} and {ROLE_DB_NAME}); "
                         f"export the role with RAS first")
    try:
        manifest = json.loads(zf.read(MANIFEST).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InputError(f"{archive_name!r} has a damaged {MANIFEST}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise InputError(f"{archive_name!r} is not a RAS role archive")
    if int(manifest.get("version", 0)) > FORMAT_VERSION:
        raise InputError(f"{archive_name!r} was written by a newer RAS; update RAS to import it")
    return manifest


def _check_database(db_path: Path) -> None:
    try:
        with closing(sqlite3.connect(db_path)) as conn:
            verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
            conn.execute("SELECT COUNT(*) FROM clip").fetchone()
    except sqlite3.DatabaseError as exc:
        raise InputError(f"the archive's {ROLE_DB_NAME} is not a readable role database ({exc})") from None
    if verdict != "ok":
        raise InputError(f"the archive's {ROLE_DB_NAME} is damaged: {verdict}")


def import_role(*, ws: Workspace, archive: Path, name: str = "") -> str:
    """Unpack a role archive as a new role (its own name, or `name`); returns the role."""
    archive = Path(archive)
    if not archive.is_file():
        raise NotFound(f"role archive not found: {shorten(archive, 200)}")
    if not zipfile.is_zipfile(archive):
        raise InputError(f"{archive.name!r} is not a zip archive; choose a file exported by RAS (role.zip)")
    with zipfile.ZipFile(archive) as zf:
        manifest = _read_manifest(zf, archive.name)
        role = validate_role_name((name or "").strip() or str(manifest.get("role", "")))
        target = ws.role_dir(role)
        if target.exists():
            raise RoleExists(f"role {role!r} already exists; give the imported role another name")
        members = _safe_members(zf)
        ws.roles_dir.mkdir(parents=True, exist_ok=True)
        needed, free = sum(m.file_size for m in members), shutil.disk_usage(ws.roles_dir).free
        if needed > free:
            raise DiskFull(f"the archive unpacks to {needed // 2**20} MB but only {free // 2**20} MB are free "
                          f"in {ws.roles_dir}: disk full")
        staging = ws.roles_dir / f".importing-{uuid.uuid4().hex}"
        try:
            for info in members:
                if info.filename != MANIFEST and not info.is_dir():
                    zf.extract(info, staging)
            _check_database(staging / ROLE_DB_NAME)
            staging.rename(target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    ws.role_engine(role)  # migrates an archive from an older release
    return role
