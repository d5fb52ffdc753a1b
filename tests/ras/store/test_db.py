import sqlite3

import pytest
from sqlalchemy import text

from ras.errors import NotFound
from ras.library import texts
from ras.queue import tasks
from ras.store import db
from ras.store.migrations import ROLE_SCHEMA_VERSION
from ras.store.workspace import Workspace


def test_new_role_db_is_wal_with_the_latest_schema(tmp_path):
    ws = Workspace(tmp_path / "roles")
    engine = ws.role_engine("a-b", create=True)
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
        assert db.schema_version(conn) == ROLE_SCHEMA_VERSION
    assert (tmp_path / "roles" / "a-b" / "role.db").is_file()


def test_migrations_run_in_order_from_an_old_version(tmp_path):
    path = tmp_path / "old.db"
    step1 = ("CREATE TABLE legacy (id INTEGER PRIMARY KEY)",)
    step2 = ("ALTER TABLE legacy ADD COLUMN note TEXT DEFAULT ''",)
    step3 = ("INSERT INTO legacy (note) VALUES ('migrated')",)  # needs step 2's column: proves the order
    db.open_database(path, steps=(step1,)).dispose()

    engine = db.open_database(path, steps=(step1, step2, step3))
    with engine.connect() as conn:
        assert db.schema_version(conn) == 3
        assert conn.execute(text("SELECT note FROM legacy")).scalar_one() == "migrated"
    engine.dispose()
    # opening again runs nothing (step 3 would insert a second row)
    engine = db.open_database(path, steps=(step1, step2, step3))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM legacy")).scalar_one() == 1
    engine.dispose()


def test_a_db_from_a_newer_release_is_refused(tmp_path):
    path = tmp_path / "new.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version=99")
    with pytest.raises(db.SchemaTooNew, match="newer RAS"):
        db.open_database(path, steps=((),))


def test_a_role_folder_from_the_first_release_opens_and_keeps_its_clips(tmp_path):
    """Schema v1 (the foundation release) had no task state/kind, seed override or products."""
    folder = tmp_path / "roles" / "old-role"
    folder.mkdir(parents=True)
    with sqlite3.connect(folder / "role.db") as conn:
        conn.executescript("""
            CREATE TABLE clip_group (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL, created_at DATETIME NOT NULL);
            CREATE TABLE clip_embedding (clip_id INTEGER NOT NULL, encoder VARCHAR NOT NULL, vector BLOB NOT NULL,
                PRIMARY KEY (clip_id, encoder));
            CREATE TABLE param_set (id INTEGER PRIMARY KEY, task_id INTEGER NOT NULL, params_json VARCHAR NOT NULL,
                label VARCHAR NOT NULL);
            CREATE TABLE clip (id INTEGER PRIMARY KEY, audio VARCHAR NOT NULL, speaker VARCHAR NOT NULL,
                lang VARCHAR NOT NULL, text VARCHAR NOT NULL, duration FLOAT NOT NULL, sample_rate INTEGER NOT NULL,
                content_hash VARCHAR NOT NULL UNIQUE, valid BOOLEAN NOT NULL, group_id INTEGER, parent_clip_id INTEGER,
                text_verified BOOLEAN NOT NULL, edited_at DATETIME, source_list VARCHAR NOT NULL,
                source_line INTEGER NOT NULL, mean_score FLOAT, long_text_score FLOAT, created_at DATETIME NOT NULL);
            CREATE TABLE task (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL, spec_json VARCHAR NOT NULL,
                created_at DATETIME NOT NULL);
            CREATE TABLE job (id INTEGER PRIMARY KEY, task_id INTEGER NOT NULL, param_set_id INTEGER NOT NULL,
                clip_id INTEGER NOT NULL, text_id INTEGER, text VARCHAR NOT NULL, text_lang VARCHAR NOT NULL,
                status VARCHAR NOT NULL, attempts INTEGER NOT NULL, error VARCHAR NOT NULL,
                request_json VARCHAR NOT NULL, result_path VARCHAR NOT NULL, duration FLOAT,
                chars_per_second FLOAT, sample_rate INTEGER, synth_seconds FLOAT, worker VARCHAR NOT NULL,
                started_at DATETIME, finished_at DATETIME, spectrogram_path VARCHAR NOT NULL,
                metrics_json VARCHAR NOT NULL, auto_score FLOAT, flags_json VARCHAR NOT NULL, score FLOAT,
                note VARCHAR NOT NULL, scored_at DATETIME);
            INSERT INTO clip VALUES (1, 'audio/a.wav', 's', 'zh', '旧的音频', 4.0, 32000, 'h1', 1, NULL, NULL, 1,
                NULL, 'x.list', 1, NULL, NULL, '2026-01-01 00:00:00');
            INSERT INTO task VALUES (1, 'old', '{}', '2026-01-01 00:00:00');
            PRAGMA user_version=1;
        """)
    from ras.library import clips
    from ras.queue import tasks

    ws = Workspace(tmp_path / "roles")
    assert clips.list_clips(ws=ws, role="old-role").clips[0].text == "旧的音频"
    assert tasks.list_tasks(ws=ws, role="old-role")[0].state == "idle"
    with ws.role_engine("old-role").connect() as conn:
        assert db.schema_version(conn) == ROLE_SCHEMA_VERSION
        assert conn.execute(text("SELECT count(*) FROM product")).scalar_one() == 0
    ws.close()


def test_a_missing_row_is_a_typed_error_naming_it_and_its_role(tmp_path):
    ws = Workspace(tmp_path / "roles")
    ws.role_engine("a-b", create=True)
    with pytest.raises(db.RowNotFound, match=r"task 99 not found in role 'a-b'"):
        tasks.task_spec(ws=ws, role="a-b", task_id=99)
    with pytest.raises(NotFound, match=r"test text\(s\) \[7\] not found"):
        texts.get_texts(ws=ws, ids=[7])
    assert issubclass(db.RowNotFound, LookupError)  # callers that catch LookupError keep working
    ws.close()
