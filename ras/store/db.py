"""SQLite engines in WAL mode, with a schema version and migration steps.

The schema version is SQLite's `PRAGMA user_version`. A DB runs the migration
steps it has not run yet, in order (a new DB runs them all), inside one
transaction, so a role folder from an old release opens in a new one and a
failed upgrade leaves the old schema untouched. The steps are in
ras/store/migrations.py.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import create_engine

from ras.errors import NotFound


class SchemaTooNew(RuntimeError):
    """The DB was written by a newer release; opening it could lose what that release stored."""


class RowNotFound(NotFound):
    """A stored thing asked for by id does not exist (deleted meanwhile, or a wrong id); the message names it."""


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


def open_database(path: Path, *, steps: Sequence[Sequence[str]]) -> Engine:
    """Open (creating or migrating) the DB at `path`; returns its engine.

    `steps[n]` holds the SQL statements that bring version n to n+1; the latest version is len(steps).
    """
    latest = len(steps)
    engine = make_engine(path)
    try:
        with engine.connect() as conn:
            # The driver runs DDL outside a transaction unless one is opened by hand; an upgrade
            # interrupted halfway would leave a schema that no step matches.
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            version = schema_version(conn)
            if version > latest:
                raise SchemaTooNew(f"{path} was written by a newer RAS (schema {version} > {latest}); update RAS")
            for step in steps[version:]:
                for statement in step:
                    conn.execute(text(statement))
            conn.execute(text(f"PRAGMA user_version={int(latest)}"))
            conn.commit()
    except BaseException:
        engine.dispose()
        raise
    return engine


def get_row(session, model, row_id, what: str, role: str):
    """The row with this id, or RowNotFound naming what is missing and in which role (users see it)."""
    row = session.get(model, int(row_id))
    if row is None:
        raise RowNotFound(f"{what} {row_id} not found in role {role!r}")
    return row
