"""Tables of a role DB (roles/<role>/role.db): the role's clips, tasks and results.

Columns named *_json hold JSON text; each is read through the property of the same name without the
suffix (Job.flags, ParamSet.params, Task.spec ...), parsed here and nowhere else. An empty column (a
row written before the value existed) reads as the empty value.
"""
from __future__ import annotations

import json
from datetime import datetime

from sqlmodel import Field, SQLModel

from ras.emotions import Reference
from ras.store.main_tables import utcnow


def _json(text: str, empty):
    return json.loads(text) if text else empty


class ClipGroup(SQLModel, table=True):
    __tablename__ = "clip_group"
    id: int | None = Field(default=None, primary_key=True)
    name: str
    created_at: datetime = Field(default_factory=utcnow)


class Clip(SQLModel, table=True):
    __tablename__ = "clip"
    id: int | None = Field(default=None, primary_key=True)
    # Relative to the role folder when copied in, absolute when kept in place.
    audio: str
    speaker: str = ""
    lang: str = "zh"
    text: str = ""
    duration: float = 0.0
    sample_rate: int = 0
    content_hash: str = Field(index=True, unique=True)
    valid: bool = True
    group_id: int | None = Field(default=None, foreign_key="clip_group.id", index=True)
    parent_clip_id: int | None = Field(default=None, foreign_key="clip.id")
    text_verified: bool = True
    edited_at: datetime | None = None  # set when a person calibrated text/lang/valid
    source_list: str = ""
    source_line: int = 0
    mean_score: float | None = None
    long_text_score: float | None = None
    created_at: datetime = Field(default_factory=utcnow)
    # The clip's emotion (ras.emotions: a known emotion's code, or a role's own word); "" = untagged.
    emotion: str = Field(default="", index=True)
    emotion_source: str = ""  # name | folder | group | model | person; "" = untagged
    emotion_confidence: float | None = None  # 1 for a name, folder, group or person; the model's probability


class ClipEmbedding(SQLModel, table=True):
    __tablename__ = "clip_embedding"
    clip_id: int = Field(foreign_key="clip.id", primary_key=True)
    encoder: str = Field(primary_key=True)
    vector: bytes  # float32 little-endian


class Task(SQLModel, table=True):
    __tablename__ = "task"
    id: int | None = Field(default=None, primary_key=True)
    name: str
    spec_json: str
    # "running" survives a restart of the web process: the runner resumes it.
    state: str = "idle"  # idle | running
    kind: str = Field(default="compare", index=True)  # compare | long_text (sentences of a long-text run)
    # What made its results (ras.queue.versions): upstream changes results between versions.
    # Empty = not recorded (a task from before RAS recorded them, or made with no GPT-SoVITS configured).
    gsv_version: str = ""
    weight_versions_json: str = ""  # [{"kind", "name", "file", "version"}] of the weights its jobs use
    created_at: datetime = Field(default_factory=utcnow)

    @property
    def spec(self) -> dict:
        """The task spec as given (ras.queue.task_spec), or a hidden task's own description."""
        return _json(self.spec_json, {})

    @property
    def weight_versions(self) -> list[dict] | None:
        """None when not recorded (see gsv_version)."""
        return _json(self.weight_versions_json, None)


class ParamSet(SQLModel, table=True):
    __tablename__ = "param_set"
    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    params_json: str
    label: str = ""

    @property
    def params(self) -> dict:
        """The parameters every job of the set is synthesized with (task-spec names)."""
        return _json(self.params_json, {})


class Job(SQLModel, table=True):
    """One synthesis and its result: the queue is these rows."""

    __tablename__ = "job"
    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    param_set_id: int = Field(foreign_key="param_set.id", index=True)
    clip_id: int = Field(foreign_key="clip.id", index=True)
    text_id: int | None = None  # main-DB test text; content copied below
    seed_override: int | None = None  # a re-generated long-text sentence gets a new seed
    # Another take of a long-text sentence (the autopilot's re-roll): the sentence's first job.
    take_of: int | None = Field(default=None, index=True)
    # A long-text sentence spoken with a product's emotion: its emotion, and the reference it uses
    # instead of the clip's (Reference.as_json; "" = the clip)
    emotion: str = ""
    reference_json: str = ""
    text: str
    text_lang: str
    status: str = Field(default="queued", index=True)
    attempts: int = 0
    error: str = ""
    request_json: str = ""  # the parameters actually sent to the engine
    result_path: str = ""  # relative to the role folder
    duration: float | None = Field(default=None, index=True)
    chars_per_second: float | None = None
    sample_rate: int | None = None
    synth_seconds: float | None = None
    worker: str = ""
    started_at: datetime | None = None
    finished_at: datetime | None = None
    spectrogram_path: str = ""  # set once the analysis is stored: the result is analysed
    # why analysis gave up on the result (it failed twice); set, the result is settled without metrics
    analysis_error: str = ""
    metrics_json: str = ""
    auto_score: float | None = None
    flags_json: str = ""
    score: float | None = None
    note: str = ""
    scored_at: datetime | None = None

    @property
    def awaits_analysis(self) -> bool:
        """Synthesized, neither measured nor given up on by the analysis step yet."""
        return self.status == "done" and not self.spectrogram_path and not self.analysis_error

    @property
    def sent_request(self) -> dict:
        """The SynthesisRequest fields the engine received; {} before the job ran."""
        return _json(self.request_json, {})

    @property
    def reference(self) -> Reference | None:
        """The reference replacing the clip's; None = the clip's."""
        return Reference.read(self.emotion, json.loads(self.reference_json)) if self.reference_json else None

    @property
    def metrics(self) -> dict:
        """Metric name -> value, as the analysis stored them; {} before analysis."""
        return Job.read_metrics(self.metrics_json)

    @property
    def missing_metrics(self) -> dict:
        """Metric name -> why it was not measured (no ASR model for the language...)."""
        return _json(self.metrics_json, {}).get("missing") or {}

    @property
    def flags(self) -> list[str]:
        """The defects the analysis flagged (ras.metrics.scoring); [] before analysis."""
        return Job.read_flags(self.flags_json)

    # for a query that selects a few columns instead of whole rows
    @staticmethod
    def read_metrics(metrics_json: str) -> dict:
        return _json(metrics_json, {}).get("metrics") or {}

    @staticmethod
    def read_flags(flags_json: str) -> list[str]:
        return _json(flags_json, [])


class LongTextRun(SQLModel, table=True):
    """A long text synthesized by several configurations; its sentences are the jobs of `task_id`."""

    __tablename__ = "long_text_run"
    id: int | None = Field(default=None, primary_key=True)
    name: str = ""
    text: str
    text_lang: str
    task_id: int = Field(foreign_key="task.id")
    max_tries: int = 1  # takes per sentence and configuration; 1 = no autopilot
    gate_json: str = ""  # the autopilot's gate (ras.gate.Gate); empty = its defaults
    created_at: datetime = Field(default_factory=utcnow)


class LongTextPart(SQLModel, table=True):
    """One configuration of a long-text run: its sentences joined into one wav."""

    __tablename__ = "long_text_part"
    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="long_text_run.id", index=True)
    param_set_id: int = Field(foreign_key="param_set.id")
    clip_id: int = Field(foreign_key="clip.id")
    source_result_id: int | None = None  # the compared result whose settings it uses
    joined_path: str = ""  # relative to the role folder
    score: float | None = None
    note: str = ""


class LongTextChoice(SQLModel, table=True):
    """The take a long-text sentence uses in its configuration's joined audio."""

    __tablename__ = "long_text_choice"
    sentence_job_id: int = Field(foreign_key="job.id", primary_key=True)  # the sentence's first job
    chosen_job_id: int = Field(foreign_key="job.id")
    by_person: bool = False  # a person's choice; the autopilot never overrides it
    passed: bool = False  # the chosen take passed the gate when chosen


class Product(SQLModel, table=True):
    """A winning configuration kept ready for GPT-SoVITS: reference copied in, weights and parameters."""

    __tablename__ = "product"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True)
    version: str = ""
    gpt_weights: str = ""
    sovits_weights: str = ""
    ref_audio: str = ""  # relative to the role folder (copied into products/<id>/)
    prompt_text: str = ""
    prompt_lang: str = "zh"
    aux_refs_json: str = "[]"  # relative paths of copied aux references
    aux_clip_ids_json: str = ""  # the role's clips those copies came from, in the same order; "" = not known
    params_json: str = "{}"  # the SynthesisRequest fields besides texts and paths
    score: float | None = None
    note: str = ""
    source_result_id: int | None = None
    source_clip_id: int | None = None
    max_tries: int = 1  # /tts re-rolls a take failing the gate up to this many tries
    gate_json: str = ""  # the gate /tts applies (ras.gate.Gate); empty = its defaults
    gsv_version: str = ""  # copied from the source result's task; empty = not recorded
    weight_versions_json: str = ""  # the product's two weights as its task recorded them
    # emotion -> Reference.as_json (ref_audio copied into products/<id>/, with the clip it came from):
    # the main reference per emotion; weights, parameters and aux refs are shared
    emotions_json: str = ""
    created_at: datetime = Field(default_factory=utcnow)

    @property
    def params(self) -> dict:
        return _json(self.params_json, {})

    @property
    def aux_refs(self) -> list[str]:
        return _json(self.aux_refs_json, [])

    @property
    def aux_clip_ids(self) -> list[int]:
        return _json(self.aux_clip_ids_json, [])

    @property
    def emotions(self) -> dict[str, Reference]:
        return {emotion: Reference.read(emotion, stored) for emotion, stored in _json(self.emotions_json, {}).items()}

    def keep_emotions(self, held: dict[str, Reference]) -> None:
        """Store `held` as the product's emotions (the column `emotions` reads)."""
        self.emotions_json = json.dumps({emotion: reference.as_json() for emotion, reference in held.items()},
                                        ensure_ascii=False)

    @property
    def weight_versions(self) -> list[dict] | None:
        """None when not recorded (see gsv_version)."""
        return _json(self.weight_versions_json, None)


class AbSession(SQLModel, table=True):
    """A blind A/B listening session over the configurations of one task."""

    __tablename__ = "ab_session"
    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    text_ids_json: str = "[]"  # the texts whose takes are played; [] = every text of the task
    created_at: datetime = Field(default_factory=utcnow)

    @property
    def text_ids(self) -> list[int]:
        return _json(self.text_ids_json, [])


class AbCandidate(SQLModel, table=True):
    """One configuration (parameter set x reference clip) taking part in a session."""

    __tablename__ = "ab_candidate"
    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="ab_session.id", index=True)
    param_set_id: int = Field(foreign_key="param_set.id")
    clip_id: int = Field(foreign_key="clip.id")
    label: str = ""
    auto_score: float | None = None  # mean over its takes when the session started (the ranking reads the current ones)


class AbPair(SQLModel, table=True):
    """Two takes of the same text played as A and B, and the listener's answer."""

    __tablename__ = "ab_pair"
    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="ab_session.id", index=True)
    candidate_a: int = Field(foreign_key="ab_candidate.id")  # played on side A
    candidate_b: int = Field(foreign_key="ab_candidate.id")
    result_a: int = Field(foreign_key="job.id")
    result_b: int = Field(foreign_key="job.id")
    text: str = ""
    choice: str | None = None  # a | b | tie; None while the pair waits for an answer
    asked_at: datetime = Field(default_factory=utcnow)
    voted_at: datetime | None = None


class FinderRun(SQLModel, table=True):
    """A reference-finder run: screening, probe rounds (hidden tasks of kind "finder"), ranking."""

    __tablename__ = "finder_run"
    id: int | None = Field(default=None, primary_key=True)
    name: str = ""
    spec_json: str  # the run's spec as given (weights resolved), plus the probe text ids chosen
    stage: str = Field(default="screen", index=True)  # screen | probe | rank | done | failed
    error: str = ""
    stop_reason: str = ""  # why probing stopped (the search's stop rule, in words)
    forced_json: str = "[]"  # clip ids a person put back in after screening
    screened_json: str = "[]"  # [{"clip_id", "excluded", "reasons"}]
    ranking_json: str = "[]"  # rank rows, best first
    shortlist_json: str = "[]"
    task_ids_json: str = "[]"  # one probe task per round, in order
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    @property
    def spec(self) -> dict:
        return _json(self.spec_json, {})

    @property
    def forced(self) -> list[int]:
        return _json(self.forced_json, [])

    @property
    def screened(self) -> list[dict]:
        return _json(self.screened_json, [])

    @property
    def ranking(self) -> list[dict]:
        return _json(self.ranking_json, [])

    @property
    def shortlist(self) -> list[int]:
        return _json(self.shortlist_json, [])

    @property
    def task_ids(self) -> list[int]:
        return _json(self.task_ids_json, [])


JOB_STATUSES = ("queued", "running", "done", "failed", "cancelled")

ROLE_TABLES = [t.__table__ for t in (ClipGroup, Clip, ClipEmbedding, Task, ParamSet, Job, LongTextRun,
                                     LongTextPart, LongTextChoice, Product, AbSession, AbCandidate, AbPair, FinderRun)]
