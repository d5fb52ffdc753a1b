import sqlite3

import pytest
from sqlalchemy import text

from ras import db
from ras.role_models import ROLE_TABLES
from ras.workspace import ROLE_SCHEMA_VERSION, Workspace


def test_new_role_db_is_wal_with_the_latest_schema(tmp_path):
    ws = Workspace(tmp_path / "roles")
    engine = ws.role_engine("a-b", create=True)
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
        assert db.schema_version(conn) == ROLE_SCHEMA_VERSION
    assert (tmp_path / "roles" / "a-b" / "role.db").is_file()


def test_migrations_run_in_order_from_an_old_version(tmp_path):
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE legacy (id INTEGER PRIMARY KEY)")
        conn.execute("PRAGMA user_version=1")
    ran = []

    def step2(conn):
        ran.append(2)
        conn.execute(text("ALTER TABLE legacy ADD COLUMN note TEXT DEFAULT ''"))

    def step3(conn):
        ran.append(3)
        conn.execute(text("INSERT INTO legacy (note) VALUES ('migrated')"))

    engine = db.open_database(path, tables=ROLE_TABLES, migrations={2: step2, 3: step3}, latest=3)
    with engine.connect() as conn:
        assert ran == [2, 3]
        assert db.schema_version(conn) == 3
        assert conn.execute(text("SELECT note FROM legacy")).scalar_one() == "migrated"
    engine.dispose()
    # opening again runs nothing
    db.open_database(path, tables=ROLE_TABLES, migrations={2: step2, 3: step3}, latest=3).dispose()
    assert ran == [2, 3]


def test_a_db_from_a_newer_release_is_refused(tmp_path):
    path = tmp_path / "new.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version=99")
    with pytest.raises(db.SchemaTooNew, match="newer RAS"):
        db.open_database(path, tables=ROLE_TABLES, migrations={}, latest=1)
