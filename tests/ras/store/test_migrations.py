"""Every past schema version, built from the frozen steps, opens with the current code with its data intact."""
import sqlite3

import pytest
from sqlmodel import SQLModel, create_engine

from i18n import I18nAuto
from ras import results
from ras.library import clips, texts
from ras.long_text import status as long_text_runs
from ras.products.rows import list_products
from ras.queue import tasks, versions
from ras.store import db
from ras.store.main_tables import MAIN_TABLES
from ras.store.migrations import MAIN_STEPS, ROLE_STEPS
from ras.store.role_tables import ROLE_TABLES
from ras.store.workspace import Workspace
from tabs.widgets import versions_line

WHEN = "2026-01-02 03:04:05.000000"

# (schema version the row first fits, table, values). A later step that adds a column keeps older rows valid.
ROLE_ROWS = [
    (1, "clip_group", {"id": 1, "name": "平静", "created_at": WHEN}),
    (1, "clip", {"id": 1, "audio": "audio/a.wav", "speaker": "s", "lang": "zh", "text": "旧的音频", "duration": 4.5,
                 "sample_rate": 32000, "content_hash": "h1", "valid": 1, "group_id": 1, "parent_clip_id": None,
                 "text_verified": 1, "edited_at": WHEN, "source_list": "x.list", "source_line": 1,
                 "mean_score": 4.0, "long_text_score": None, "created_at": WHEN}),
    (1, "clip", {"id": 2, "audio": "/abs/b.wav", "speaker": "s", "lang": "en", "text": "piece", "duration": 2.0,
                 "sample_rate": 32000, "content_hash": "h2", "valid": 0, "group_id": None, "parent_clip_id": 1,
                 "text_verified": 0, "edited_at": None, "source_list": "", "source_line": 0,
                 "mean_score": None, "long_text_score": None, "created_at": WHEN}),
    (1, "clip_embedding", {"clip_id": 1, "encoder": "resemblyzer", "vector": b"\x00\x00\x80?" * 4}),
    (1, "task", {"id": 1, "name": "old task", "spec_json": "{}", "created_at": WHEN}),
    (1, "param_set", {"id": 1, "task_id": 1, "params_json": '{"top_k": 5}', "label": "top_k=5"}),
    (1, "job", {"id": 1, "task_id": 1, "param_set_id": 1, "clip_id": 1, "text_id": 3, "text": "你好", "text_lang": "zh",
                "status": "done", "attempts": 1, "error": "", "request_json": "{}", "result_path": "results/1/1.wav",
                "duration": 2.5, "chars_per_second": 0.8, "sample_rate": 32000, "synth_seconds": 0.4, "worker": "w0",
                "started_at": WHEN, "finished_at": WHEN, "spectrogram_path": "", "metrics_json": "{}",
                "auto_score": 71.5, "flags_json": "[]", "score": 4.0, "note": "good", "scored_at": WHEN}),
    (1, "job", {"id": 2, "task_id": 1, "param_set_id": 1, "clip_id": 1, "text_id": None, "text": "再见",
                "text_lang": "zh",
                "status": "queued", "attempts": 0, "error": "", "request_json": "", "result_path": "", "duration": None,
                "chars_per_second": None, "sample_rate": None, "synth_seconds": None, "worker": "",
                "started_at": None, "finished_at": None, "spectrogram_path": "", "metrics_json": "",
                "auto_score": None, "flags_json": "", "score": None, "note": "", "scored_at": None}),
    (2, "task", {"id": 2, "name": "long", "spec_json": "{}", "state": "running", "kind": "long_text",
                 "created_at": WHEN}),
    (2, "param_set", {"id": 2, "task_id": 2, "params_json": "{}", "label": ""}),
    (2, "job", {"id": 3, "task_id": 2, "param_set_id": 2, "clip_id": 1, "text_id": None, "seed_override": 7,
                "text": "一句", "text_lang": "zh", "status": "failed", "attempts": 2, "error": "timeout",
                "request_json": "", "result_path": "", "duration": None, "chars_per_second": None,
                "sample_rate": None, "synth_seconds": None, "worker": "", "started_at": None, "finished_at": None,
                "spectrogram_path": "", "metrics_json": "", "auto_score": None, "flags_json": "", "score": None,
                "note": "", "scored_at": None}),
    (2, "long_text_run", {"id": 1, "name": "run", "text": "一句。", "text_lang": "zh", "task_id": 2,
                          "created_at": WHEN}),
    (2, "long_text_part", {"id": 1, "run_id": 1, "param_set_id": 2, "clip_id": 1, "source_result_id": 1,
                           "joined_path": "", "score": 3.0, "note": "ok"}),
    (2, "product", {"id": 1, "name": "best", "version": "v2", "gpt_weights": "g.ckpt", "sovits_weights": "s.pth",
                    "ref_audio": "products/1/ref.wav", "prompt_text": "旧的音频", "prompt_lang": "zh",
                    "aux_refs_json": "[]", "params_json": '{"top_k": 5}', "score": 4.0, "note": "",
                    "source_result_id": 1, "source_clip_id": 1, "created_at": WHEN}),
    (6, "task", {"id": 3, "name": "recorded", "spec_json": "{}", "state": "idle", "kind": "compare",
                 "gsv_version": "git 0123456789ab (main)",
                 "weight_versions_json": '[{"kind": "gpt", "name": "g.ckpt", "file": "/w/g.ckpt", "version": "v2"}]',
                 "created_at": WHEN}),
    (7, "job", {"id": 4, "task_id": 1, "param_set_id": 1, "clip_id": 1, "text_id": None, "text": "坏了",
                "text_lang": "zh", "status": "done", "attempts": 1, "error": "", "request_json": "{}",
                "result_path": "results/1/4.wav", "duration": 2.0, "chars_per_second": 1.0, "sample_rate": 32000,
                "synth_seconds": 0.4, "worker": "w0", "started_at": WHEN, "finished_at": WHEN,
                "spectrogram_path": "", "analysis_error": "no answer within 80 s (failed twice)", "metrics_json": "",
                "auto_score": None, "flags_json": "", "score": None, "note": "", "scored_at": None}),
    (8, "clip", {"id": 3, "audio": "audio/c.wav", "speaker": "s", "lang": "zh", "text": "开心的话", "duration": 5.0,
                 "sample_rate": 32000, "content_hash": "h3", "valid": 1, "group_id": None, "parent_clip_id": None,
                 "text_verified": 1, "edited_at": None, "source_list": "x.list", "source_line": 3,
                 "mean_score": None, "long_text_score": None, "created_at": WHEN, "emotion": "happy",
                 "emotion_source": "name", "emotion_confidence": 1.0}),
]

MAIN_ROWS = [
    (1, "test_text", {"id": 1, "content": "你好世界", "lang": "zh", "category": "short", "created_at": WHEN}),
    (1, "app_setting", {"key": "score_weights", "value": '{"duration": 1.0}'}),
]


def build_at_version(path, steps, rows, version: int) -> list[tuple[str, dict]]:
    """A DB as release `version` left it: its steps, its rows, its user_version. Returns the rows inserted."""
    inserted = [(table, values) for since, table, values in rows if since <= version]
    with sqlite3.connect(path) as conn:
        for step in steps[:version]:
            for statement in step:
                conn.execute(statement)
        for table, values in inserted:
            columns = ", ".join(f'"{c}"' for c in values)
            conn.execute(f"INSERT INTO {table} ({columns}) VALUES ({', '.join('?' * len(values))})",
                         list(values.values()))
        conn.execute(f"PRAGMA user_version={version}")
    conn.close()
    return inserted


def describe(path, *, with_defaults: bool = True) -> dict:
    """Tables with their columns, indexes and foreign keys, as SQLite reports them."""
    conn = sqlite3.connect(path)
    try:
        schema = {}
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        for table in names:
            columns = {name: (col_type.upper(), bool(notnull), pk, default if with_defaults else None)
                       for _cid, name, col_type, notnull, default, pk in conn.execute(f"PRAGMA table_info({table})")}
            indexes = {}
            for _seq, index, unique, origin, _partial in conn.execute(f"PRAGMA index_list({table})"):
                indexed = tuple(r[2] for r in conn.execute(f"PRAGMA index_info({index})"))
                indexes[indexed] = (bool(unique), origin)
            keys = sorted((r[3], r[2], r[4]) for r in conn.execute(f"PRAGMA foreign_key_list({table})"))
            schema[table] = {"columns": columns, "indexes": indexes, "foreign_keys": keys}
        return schema
    finally:
        conn.close()


def master(path) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        rows = sorted(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"))
    conn.close()
    return rows


PRIMARY_KEYS = {"clip_embedding": ("clip_id", "encoder"), "app_setting": ("key",)}  # the others: id


def assert_rows_intact(path, inserted) -> None:
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        for table, values in inserted:
            key_columns = PRIMARY_KEYS.get(table, ("id",))
            where = " AND ".join(f'"{c}" = ?' for c in key_columns)
            keys = [values[c] for c in key_columns]
            row = conn.execute(f"SELECT * FROM {table} WHERE {where}", keys).fetchone()
            assert row is not None, f"{table} row {keys} lost"
            assert {c: row[c] for c in values} == values, f"{table} row {keys} changed"
    finally:
        conn.close()


def fresh_role_db(tmp_path):
    ws = Workspace(tmp_path / "fresh" / "roles")
    ws.role_engine("new-role", create=True)
    ws.close()
    return tmp_path / "fresh" / "roles" / "new-role" / "role.db"


def fresh_main_db(tmp_path):
    ws = Workspace(tmp_path / "fresh-main" / "roles")
    ws.main_engine()
    ws.close()
    return tmp_path / "fresh-main" / "ras.db"


@pytest.mark.parametrize("version", range(1, len(ROLE_STEPS) + 1))
def test_a_role_folder_from_every_past_release_opens_with_its_data(tmp_path, version):
    folder = tmp_path / "roles" / "old-role"
    folder.mkdir(parents=True)
    inserted = build_at_version(folder / "role.db", ROLE_STEPS, ROLE_ROWS, version)

    ws = Workspace(tmp_path / "roles")
    found = clips.list_clips(ws=ws, role="old-role")
    total, listed = found.total, found.clips
    assert total == (3 if version >= 8 else 2) and listed[0].text == "旧的音频"
    listed_tasks = {t.name: t for t in tasks.list_tasks(ws=ws, role="old-role")}
    assert listed_tasks["old task"].state == "idle"  # a v1 task had no state: it was not running
    # tasks and products from before versions were recorded say so, rather than guess
    old_task = versions.task_versions(ws=ws, role="old-role", task_id=1)
    assert old_task == versions.RecordedVersions(None, None)
    assert versions_line(I18nAuto("en_US"), old_task) == "GPT-SoVITS not recorded · model versions not recorded"
    if version >= 2:
        assert [r.name for r in long_text_runs.list_runs(ws=ws, role="old-role")] == ["run"]
        assert [p.name for p in list_products(ws=ws, role="old-role")] == ["best"]
        assert list_products(ws=ws, role="old-role")[0].gsv_version is None
        assert list_products(ws=ws, role="old-role")[0].emotions == {}  # an old product: its default only
    tags = {c.id: (c.emotion, c.emotion_source) for c in clips.list_clips(ws=ws, role="old-role").clips}
    assert tags[1] == ("", "")  # a clip from before tags is untagged
    if version >= 8:
        assert tags[3] == ("happy", "name")
    if version >= 7:  # a take whose analysis gave up says why
        assert results.get_result(ws=ws, role="old-role", result_id=4).analysis_error.startswith("no answer")
    if version >= 6:
        recorded = versions.task_versions(ws=ws, role="old-role", task_id=3)
        assert recorded.gsv_version == "git 0123456789ab (main)" and recorded.weight_versions[0].version == "v2"
    ws.close()

    assert_rows_intact(folder / "role.db", inserted)
    fresh = fresh_role_db(tmp_path)
    assert describe(folder / "role.db") == describe(fresh)
    assert master(folder / "role.db") == master(fresh)


@pytest.mark.parametrize("version", range(1, len(MAIN_STEPS) + 1))
def test_a_main_db_from_every_past_release_opens_with_its_data(tmp_path, version):
    (tmp_path / "roles").mkdir()
    inserted = build_at_version(tmp_path / "ras.db", MAIN_STEPS, MAIN_ROWS, version)

    ws = Workspace(tmp_path / "roles")
    assert "你好世界" in [t.content for t in texts.list_texts(ws=ws, lang="zh")]
    ws.close()

    assert_rows_intact(tmp_path / "ras.db", inserted)
    fresh = fresh_main_db(tmp_path)
    assert describe(tmp_path / "ras.db") == describe(fresh)
    assert master(tmp_path / "ras.db") == master(fresh)


@pytest.mark.parametrize("which", ["role", "main"])
def test_the_table_classes_match_the_newest_migration_step(tmp_path, which):
    """A column added to a table class without a migration step (or the reverse) fails here."""
    tables = ROLE_TABLES if which == "role" else MAIN_TABLES
    from_classes = tmp_path / "from_classes.db"
    engine = create_engine(f"sqlite:///{from_classes}")
    SQLModel.metadata.create_all(engine, tables=tables)
    engine.dispose()
    from_steps = fresh_role_db(tmp_path) if which == "role" else fresh_main_db(tmp_path)
    # the steps may give defaults that the classes leave to Python; names, types, keys and indexes must agree
    assert describe(from_steps, with_defaults=False) == describe(from_classes, with_defaults=False)


def test_an_upgrade_that_fails_halfway_leaves_the_old_folder_as_it_was(tmp_path):
    """A crash or a bad statement mid-upgrade must not leave a schema that no step matches."""
    path = tmp_path / "role.db"
    build_at_version(path, ROLE_STEPS, ROLE_ROWS, 1)
    before = master(path)
    broken = ROLE_STEPS + (("ALTER TABLE clip ADD COLUMN later INTEGER", "SELECT missing FROM nowhere"),)
    with pytest.raises(Exception, match="nowhere"):
        db.open_database(path, steps=broken)
    assert master(path) == before
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    conn.close()
    db.open_database(path, steps=ROLE_STEPS).dispose()  # the real upgrade still runs afterwards
    assert describe(path) == describe(fresh_role_db(tmp_path))
