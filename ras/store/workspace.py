"""The data folders: main DB beside the roles folder, one DB per role folder."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session

from ras.errors import InputError, RoleNotFound
from ras.names import validate_role_name
from ras.store.db import open_database
from ras.store.migrations import MAIN_STEPS, ROLE_STEPS

ROLE_DB_NAME = "role.db"


class Workspace:
    """Owns the DB engines of one roles folder. Created in main(), never at import."""

    def __init__(self, roles_dir: Path, main_db_path: Path | None = None):
        self.roles_dir = Path(roles_dir).resolve()
        self.main_db_path = main_db_path or self.roles_dir.parent / "ras.db"
        self._lock = threading.Lock()
        self._main: Engine | None = None
        self._roles: dict[str, Engine] = {}
        self._role_dirs: dict[str, Path] = {}  # a listing of 1,000 clips resolved the folder 1,000 times

    # --- main DB -----------------------------------------------------------
    def main_engine(self) -> Engine:
        with self._lock:
            if self._main is None:
                self.roles_dir.mkdir(parents=True, exist_ok=True)
                self._main = open_database(self.main_db_path, steps=MAIN_STEPS)
            return self._main

    @contextmanager
    def main_session(self) -> Iterator[Session]:
        with Session(self.main_engine(), expire_on_commit=False) as session:
            yield session

    # --- roles ---------------------------------------------------------------
    def role_dir(self, role: str) -> Path:
        """The folder of an existing or future role; the name is validated first."""
        known = self._role_dirs.get(role)
        if known is not None:
            return known
        validate_role_name(role)
        path = (self.roles_dir / role).resolve()
        if path.parent != self.roles_dir:  # belt and braces after validation
            raise InputError(f"role name {role!r} points outside the roles folder; use a name without path separators")
        self._role_dirs[role] = path
        return path

    def role_exists(self, role: str) -> bool:
        return (self.role_dir(role) / ROLE_DB_NAME).is_file()

    def role_engine(self, role: str, *, create: bool = False) -> Engine:
        folder = self.role_dir(role)
        with self._lock:
            engine = self._roles.get(role)
            if engine is not None:
                return engine
            if not (folder / ROLE_DB_NAME).is_file():
                if not create:
                    raise RoleNotFound(f"role {role!r} does not exist; create it in the roles tab first")
                folder.mkdir(parents=True, exist_ok=True)
            engine = open_database(folder / ROLE_DB_NAME, steps=ROLE_STEPS)
            self._roles[role] = engine
            return engine

    @contextmanager
    def role_session(self, role: str) -> Iterator[Session]:
        with Session(self.role_engine(role), expire_on_commit=False) as session:
            yield session

    def forget_role(self, role: str) -> None:
        """Close a role's DB so its folder can be renamed or deleted."""
        with self._lock:
            engine = self._roles.pop(role, None)
        if engine is not None:
            engine.dispose()

    def role_names(self) -> list[str]:
        if not self.roles_dir.is_dir():
            return []
        return sorted(p.name for p in self.roles_dir.iterdir() if (p / ROLE_DB_NAME).is_file())

    def close(self) -> None:
        for role in list(self._roles):
            self.forget_role(role)
        if self._main is not None:
            self._main.dispose()
            self._main = None
