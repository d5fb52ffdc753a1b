"""Schema migrations of the main DB (ras.db) and of every role DB (role.db), frozen as plain SQL.

The schema version is SQLite's `PRAGMA user_version`: 0 is an empty file, N is a
DB that has run steps 1..N. Step 1 creates the first release's tables; each later
step brings N-1 to N. A new DB runs every step, so a fresh DB and an upgraded
one are built by the same statements and cannot drift apart.

The steps are frozen text, never generated from the SQLModel classes: a class
describes today's schema, while an old role folder on a user's disk holds the
schema of the release that wrote it. Once a step has shipped, never edit it.

To add a table or a column:
1. Change the SQLModel class (ras/store/role_tables.py or main_tables.py).
2. Append a new step to ROLE_STEPS or MAIN_STEPS: a tuple of SQL statements
   (`ALTER TABLE t ADD COLUMN c ... NOT NULL DEFAULT ...` for a new column, as
   SQLite requires a default for NOT NULL; `CREATE TABLE`/`CREATE INDEX` for new
   ones; `UPDATE` to fill in data). The schema version is the number of steps,
   so appending bumps `user_version` for every DB that opens.
3. tests/ras/store/test_migrations.py builds a DB at every past version, upgrades it,
   and compares it with the SQLModel classes; it fails until the step matches
   the class.
"""
from __future__ import annotations

Step = tuple[str, ...]

_MAIN_V1: Step = (
    """CREATE TABLE test_text (
        content VARCHAR NOT NULL,
        lang VARCHAR NOT NULL,
        category VARCHAR NOT NULL,
        id INTEGER NOT NULL,
        created_at DATETIME NOT NULL,
        PRIMARY KEY (id)
    )""",
    "CREATE INDEX ix_test_text_category ON test_text (category)",
    "CREATE INDEX ix_test_text_lang ON test_text (lang)",
    """CREATE TABLE app_setting (
        "key" VARCHAR NOT NULL,
        value VARCHAR NOT NULL,
        PRIMARY KEY ("key")
    )""",
)

# v1, the first release: clips, groups, embeddings, tasks, parameter sets, jobs.
_ROLE_V1: Step = (
    """CREATE TABLE clip_group (
        id INTEGER NOT NULL,
        name VARCHAR NOT NULL,
        created_at DATETIME NOT NULL,
        PRIMARY KEY (id)
    )""",
    """CREATE TABLE clip (
        id INTEGER NOT NULL,
        audio VARCHAR NOT NULL,
        speaker VARCHAR NOT NULL,
        lang VARCHAR NOT NULL,
        text VARCHAR NOT NULL,
        duration FLOAT NOT NULL,
        sample_rate INTEGER NOT NULL,
        content_hash VARCHAR NOT NULL,
        valid BOOLEAN NOT NULL,
        group_id INTEGER,
        parent_clip_id INTEGER,
        text_verified BOOLEAN NOT NULL,
        edited_at DATETIME,
        source_list VARCHAR NOT NULL,
        source_line INTEGER NOT NULL,
        mean_score FLOAT,
        long_text_score FLOAT,
        created_at DATETIME NOT NULL,
        PRIMARY KEY (id),
        FOREIGN KEY(group_id) REFERENCES clip_group (id),
        FOREIGN KEY(parent_clip_id) REFERENCES clip (id)
    )""",
    "CREATE UNIQUE INDEX ix_clip_content_hash ON clip (content_hash)",
    "CREATE INDEX ix_clip_group_id ON clip (group_id)",
    """CREATE TABLE clip_embedding (
        clip_id INTEGER NOT NULL,
        encoder VARCHAR NOT NULL,
        vector BLOB NOT NULL,
        PRIMARY KEY (clip_id, encoder),
        FOREIGN KEY(clip_id) REFERENCES clip (id)
    )""",
    """CREATE TABLE task (
        id INTEGER NOT NULL,
        name VARCHAR NOT NULL,
        spec_json VARCHAR NOT NULL,
        created_at DATETIME NOT NULL,
        PRIMARY KEY (id)
    )""",
    """CREATE TABLE param_set (
        id INTEGER NOT NULL,
        task_id INTEGER NOT NULL,
        params_json VARCHAR NOT NULL,
        label VARCHAR NOT NULL,
        PRIMARY KEY (id),
        FOREIGN KEY(task_id) REFERENCES task (id)
    )""",
    "CREATE INDEX ix_param_set_task_id ON param_set (task_id)",
    """CREATE TABLE job (
        id INTEGER NOT NULL,
        task_id INTEGER NOT NULL,
        param_set_id INTEGER NOT NULL,
        clip_id INTEGER NOT NULL,
        text_id INTEGER,
        text VARCHAR NOT NULL,
        text_lang VARCHAR NOT NULL,
        status VARCHAR NOT NULL,
        attempts INTEGER NOT NULL,
        error VARCHAR NOT NULL,
        request_json VARCHAR NOT NULL,
        result_path VARCHAR NOT NULL,
        duration FLOAT,
        chars_per_second FLOAT,
        sample_rate INTEGER,
        synth_seconds FLOAT,
        worker VARCHAR NOT NULL,
        started_at DATETIME,
        finished_at DATETIME,
        spectrogram_path VARCHAR NOT NULL,
        metrics_json VARCHAR NOT NULL,
        auto_score FLOAT,
        flags_json VARCHAR NOT NULL,
        score FLOAT,
        note VARCHAR NOT NULL,
        scored_at DATETIME,
        PRIMARY KEY (id),
        FOREIGN KEY(task_id) REFERENCES task (id),
        FOREIGN KEY(param_set_id) REFERENCES param_set (id),
        FOREIGN KEY(clip_id) REFERENCES clip (id)
    )""",
    "CREATE INDEX ix_job_clip_id ON job (clip_id)",
    "CREATE INDEX ix_job_duration ON job (duration)",
    "CREATE INDEX ix_job_param_set_id ON job (param_set_id)",
    "CREATE INDEX ix_job_status ON job (status)",
    "CREATE INDEX ix_job_task_id ON job (task_id)",
)

# v2: tasks remember whether they run and their kind; a re-generated sentence's seed; long-text runs and products.
_ROLE_V2: Step = (
    "ALTER TABLE task ADD COLUMN state VARCHAR NOT NULL DEFAULT 'idle'",
    "ALTER TABLE task ADD COLUMN kind VARCHAR NOT NULL DEFAULT 'compare'",
    "CREATE INDEX ix_task_kind ON task (kind)",
    "ALTER TABLE job ADD COLUMN seed_override INTEGER",
    """CREATE TABLE long_text_run (
        id INTEGER NOT NULL,
        name VARCHAR NOT NULL,
        text VARCHAR NOT NULL,
        text_lang VARCHAR NOT NULL,
        task_id INTEGER NOT NULL,
        created_at DATETIME NOT NULL,
        PRIMARY KEY (id),
        FOREIGN KEY(task_id) REFERENCES task (id)
    )""",
    """CREATE TABLE long_text_part (
        id INTEGER NOT NULL,
        run_id INTEGER NOT NULL,
        param_set_id INTEGER NOT NULL,
        clip_id INTEGER NOT NULL,
        source_result_id INTEGER,
        joined_path VARCHAR NOT NULL,
        score FLOAT,
        note VARCHAR NOT NULL,
        PRIMARY KEY (id),
        FOREIGN KEY(run_id) REFERENCES long_text_run (id),
        FOREIGN KEY(param_set_id) REFERENCES param_set (id),
        FOREIGN KEY(clip_id) REFERENCES clip (id)
    )""",
    "CREATE INDEX ix_long_text_part_run_id ON long_text_part (run_id)",
    """CREATE TABLE product (
        id INTEGER NOT NULL,
        name VARCHAR NOT NULL,
        version VARCHAR NOT NULL,
        gpt_weights VARCHAR NOT NULL,
        sovits_weights VARCHAR NOT NULL,
        ref_audio VARCHAR NOT NULL,
        prompt_text VARCHAR NOT NULL,
        prompt_lang VARCHAR NOT NULL,
        aux_refs_json VARCHAR NOT NULL,
        params_json VARCHAR NOT NULL,
        score FLOAT,
        note VARCHAR NOT NULL,
        source_result_id INTEGER,
        source_clip_id INTEGER,
        created_at DATETIME NOT NULL,
        PRIMARY KEY (id)
    )""",
    "CREATE UNIQUE INDEX ix_product_name ON product (name)",
)

# v3: blind A/B sessions (candidates, and the pairs heard with their votes).
_ROLE_V3: Step = (
    """CREATE TABLE ab_session (
        id INTEGER NOT NULL,
        task_id INTEGER NOT NULL,
        text_ids_json VARCHAR NOT NULL,
        created_at DATETIME NOT NULL,
        PRIMARY KEY (id),
        FOREIGN KEY(task_id) REFERENCES task (id)
    )""",
    "CREATE INDEX ix_ab_session_task_id ON ab_session (task_id)",
    """CREATE TABLE ab_candidate (
        id INTEGER NOT NULL,
        session_id INTEGER NOT NULL,
        param_set_id INTEGER NOT NULL,
        clip_id INTEGER NOT NULL,
        label VARCHAR NOT NULL,
        auto_score FLOAT,
        PRIMARY KEY (id),
        FOREIGN KEY(session_id) REFERENCES ab_session (id),
        FOREIGN KEY(param_set_id) REFERENCES param_set (id),
        FOREIGN KEY(clip_id) REFERENCES clip (id)
    )""",
    "CREATE INDEX ix_ab_candidate_session_id ON ab_candidate (session_id)",
    """CREATE TABLE ab_pair (
        id INTEGER NOT NULL,
        session_id INTEGER NOT NULL,
        candidate_a INTEGER NOT NULL,
        candidate_b INTEGER NOT NULL,
        result_a INTEGER NOT NULL,
        result_b INTEGER NOT NULL,
        text VARCHAR NOT NULL,
        choice VARCHAR,
        asked_at DATETIME NOT NULL,
        voted_at DATETIME,
        PRIMARY KEY (id),
        FOREIGN KEY(session_id) REFERENCES ab_session (id),
        FOREIGN KEY(candidate_a) REFERENCES ab_candidate (id),
        FOREIGN KEY(candidate_b) REFERENCES ab_candidate (id),
        FOREIGN KEY(result_a) REFERENCES job (id),
        FOREIGN KEY(result_b) REFERENCES job (id)
    )""",
    "CREATE INDEX ix_ab_pair_session_id ON ab_pair (session_id)",
)

# v4: the long-text autopilot: a sentence's further takes, the chosen take of each sentence,
# tries and quality gate of long-text runs and of products.
_ROLE_V4: Step = (
    "ALTER TABLE job ADD COLUMN take_of INTEGER",
    "CREATE INDEX ix_job_take_of ON job (take_of)",
    "ALTER TABLE long_text_run ADD COLUMN max_tries INTEGER NOT NULL DEFAULT 1",
    "ALTER TABLE long_text_run ADD COLUMN gate_json VARCHAR NOT NULL DEFAULT ''",
    """CREATE TABLE long_text_choice (
        sentence_job_id INTEGER NOT NULL,
        chosen_job_id INTEGER NOT NULL,
        by_person BOOLEAN NOT NULL,
        passed BOOLEAN NOT NULL,
        PRIMARY KEY (sentence_job_id),
        FOREIGN KEY(sentence_job_id) REFERENCES job (id),
        FOREIGN KEY(chosen_job_id) REFERENCES job (id)
    )""",
    "ALTER TABLE product ADD COLUMN max_tries INTEGER NOT NULL DEFAULT 1",
    "ALTER TABLE product ADD COLUMN gate_json VARCHAR NOT NULL DEFAULT ''",
)

# v5: reference-finder runs.
_ROLE_V5: Step = (
    """CREATE TABLE finder_run (
        id INTEGER NOT NULL,
        name VARCHAR NOT NULL,
        spec_json VARCHAR NOT NULL,
        stage VARCHAR NOT NULL,
        error VARCHAR NOT NULL,
        stop_reason VARCHAR NOT NULL,
        forced_json VARCHAR NOT NULL,
        screened_json VARCHAR NOT NULL,
        ranking_json VARCHAR NOT NULL,
        shortlist_json VARCHAR NOT NULL,
        task_ids_json VARCHAR NOT NULL,
        created_at DATETIME NOT NULL,
        updated_at DATETIME NOT NULL,
        PRIMARY KEY (id)
    )""",
    "CREATE INDEX ix_finder_run_stage ON finder_run (stage)",
)

# v6: the GPT-SoVITS code version and the weights' model versions a task (and a product) was made with.
_ROLE_V6: Step = (
    "ALTER TABLE task ADD COLUMN gsv_version VARCHAR NOT NULL DEFAULT ''",
    "ALTER TABLE task ADD COLUMN weight_versions_json VARCHAR NOT NULL DEFAULT ''",
    "ALTER TABLE product ADD COLUMN gsv_version VARCHAR NOT NULL DEFAULT ''",
    "ALTER TABLE product ADD COLUMN weight_versions_json VARCHAR NOT NULL DEFAULT ''",
)

# v7: why a result's analysis gave up (it failed twice), so nothing waits for its metrics.
_ROLE_V7: Step = (
    "ALTER TABLE job ADD COLUMN analysis_error VARCHAR NOT NULL DEFAULT ''",
)

# v8: a clip's emotion tag, where it came from (name | folder | group | model | person) and how sure that is;
# a product's reference per emotion.
_ROLE_V8: Step = (
    "ALTER TABLE clip ADD COLUMN emotion VARCHAR NOT NULL DEFAULT ''",
    "ALTER TABLE clip ADD COLUMN emotion_source VARCHAR NOT NULL DEFAULT ''",
    "ALTER TABLE clip ADD COLUMN emotion_confidence FLOAT",
    "CREATE INDEX ix_clip_emotion ON clip (emotion)",
    "ALTER TABLE product ADD COLUMN emotions_json VARCHAR NOT NULL DEFAULT ''",
)

# v9: a long-text sentence's emotion and the product's reference it is spoken with.
_ROLE_V9: Step = (
    "ALTER TABLE job ADD COLUMN emotion VARCHAR NOT NULL DEFAULT ''",
    "ALTER TABLE job ADD COLUMN reference_json VARCHAR NOT NULL DEFAULT ''",
)

# v10: the clips a product's aux references (its timbre set) were copied from, so the timbre check can
# speak with them as a task's aux_refs.
_ROLE_V10: Step = (
    "ALTER TABLE product ADD COLUMN aux_clip_ids_json VARCHAR NOT NULL DEFAULT ''",
)

# Step N (1-based) brings a DB from version N-1 to N; append, never edit.
MAIN_STEPS: tuple[Step, ...] = (_MAIN_V1,)
ROLE_STEPS: tuple[Step, ...] = (_ROLE_V1, _ROLE_V2, _ROLE_V3, _ROLE_V4, _ROLE_V5, _ROLE_V6, _ROLE_V7,
                                 _ROLE_V8, _ROLE_V9, _ROLE_V10)

MAIN_SCHEMA_VERSION = len(MAIN_STEPS)
ROLE_SCHEMA_VERSION = len(ROLE_STEPS)
