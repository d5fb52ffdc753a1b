"""SQLite engines in WAL mode, with a schema version and migration steps.

The schema version is SQLite's `PRAGMA user_version`. A new DB gets the latest
tables and version; an older one runs each migration step in order, so a role
folder from an old release opens in a new one.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy import Table, event, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel, create_engine

Migration = Callable[[Connection], None]


class SchemaTooNew(RuntimeError):
    pass


def _on_connect(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(path: Path) -> Engine:
    engine = create_engine(
        f"sqlite:///{path}",
        # the supervisor thread and Gradio's worker threads share engines
        connect_args={"check_same_thread": False, "timeout": 10},
    )
    event.listen(engine, "connect", _on_connect)
    return engine


def schema_version(conn: Connection) -> int:
    return int(conn.execute(text("PRAGMA user_version")).scalar_one())


def open_database(
    path: Path, *, tables: Sequence[Table], migrations: dict[int, Migration], latest: int
) -> Engine:
    """Open (creating or migrating) the DB at `path`; returns its engine."""
    engine = make_engine(path)
    with engine.begin() as conn:
        version = schema_version(conn)
        if version > latest:
            engine.dispose()
            raise SchemaTooNew(f"{path} was written by a newer RAS (schema {version} > {latest}); update RAS")
        if version == 0:
            SQLModel.metadata.create_all(conn, tables=list(tables))
        else:
            for step in range(version + 1, latest + 1):
                migrations[step](conn)
        conn.execute(text(f"PRAGMA user_version={int(latest)}"))
    return engine


def get_row(session, model, row_id, what: str, role: str):
    """The row with this id, or LookupError naming what is missing and in which role (users see it)."""
    row = session.get(model, int(row_id))
    if row is None:
        raise LookupError(f"{what} {row_id} not found in role {role!r}")
    return row
