"""Emotion tags from the speech-emotion model, as a background job per role with progress.

Only clips no source has tagged yet are heard (the model's answer is cached in the clip row, so a
second run hears only clips imported since); a clip the model answered <unk> for is stored as heard
(source "model", no emotion) and not heard again. The model never replaces another source's tag, and
a person's edit made while the job runs wins (the write checks the source again).
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from sqlmodel import col, select

from ras.errors import Conflict, NotFound
from ras.library.emotion_tags import EmotionTag, write_tags
from ras.metrics.emotion_model import EmotionModelSearch, EmotionRecognizer, Recognized
from ras.store.lookups import clip_audio_path
from ras.store.role_tables import Clip
from ras.store.workspace import Workspace

log = logging.getLogger(__name__)

BATCH = 8  # clips per model call and per commit: progress moves and an interrupted run keeps its answers


@dataclass(frozen=True)
class EmotionJob:
    """A role's emotion-tagging job as the page and /emotion_tagging show it."""

    role: str
    state: str  # idle | running | done | failed
    done: int = 0  # clips heard so far
    total: int = 0  # clips to hear in this run
    tagged: int = 0  # clips given an emotion
    missing: int = 0  # clips whose audio file is gone (not heard)
    model: str = ""
    error: str = ""


def untagged_clips(ws: Workspace, role: str) -> list[tuple[int, Path]]:
    """(clip id, audio path) of the clips no source has tagged (their files may be gone)."""
    with ws.role_session(role) as session:
        clips = session.exec(select(Clip).where(Clip.emotion_source == "").order_by(col(Clip.id))).all()
    return [(c.id, clip_audio_path(ws, role, c)) for c in clips]


def store_answers(ws: Workspace, role: str, answers: dict[int, Recognized]) -> int:
    """The model's tags on clips still untagged or model-tagged; returns how many got an emotion."""
    with ws.role_session(role) as session:
        written = write_tags(session, {clip_id: EmotionTag(answer.emotion, "model", answer.score)
                                       for clip_id, answer in answers.items()})
        session.commit()
    return sum(bool(answers[clip_id].emotion) for clip_id in written)


def tag_new_clips(*, ws: Workspace, role: str, recognizer: EmotionRecognizer,
                  progress: Callable[[EmotionJob], None] | None = None) -> EmotionJob:
    todo = untagged_clips(ws, role)
    present = [(clip_id, path) for clip_id, path in todo if path.is_file()]
    job = EmotionJob(role=role, state="running", total=len(present), missing=len(todo) - len(present),
                     model=recognizer.model.name)
    if progress:
        progress(job)
    for start in range(0, len(present), BATCH):
        chunk = present[start:start + BATCH]
        answers = recognizer.recognize([path for _, path in chunk])
        tagged = store_answers(ws, role, {clip_id: answer for (clip_id, _), answer in zip(chunk, answers)})
        job = replace(job, done=job.done + len(chunk), tagged=job.tagged + tagged)
        if progress:
            progress(job)
    return replace(job, state="done")


def no_model_error(search: EmotionModelSearch) -> NotFound:
    refused = f" (refused: {'; '.join(search.refused)})" if search.refused else ""
    return NotFound("no speech-emotion model found: download emotion2vec_plus_base (or _large) with FunASR or "
                    "ModelScope into the ModelScope cache, or start RAS with --emotion-model <its folder>" + refused)


class EmotionTagger:
    """Runs tag_new_clips in a background thread, one job per role at a time. `locate` finds the model
    when a job starts (a model downloaded meanwhile is found without a restart); its recognizer is kept."""

    def __init__(self, ws: Workspace, locate: Callable[[], EmotionModelSearch], device: str = "cpu"):
        self.ws, self._locate, self._device = ws, locate, device
        self._recognizer: EmotionRecognizer | None = None
        self._jobs: dict[str, EmotionJob] = {}
        self._lock = threading.Lock()
        self._model_lock = threading.Lock()  # one model, heard by one job at a time
        self._threads: dict[str, threading.Thread] = {}

    def status(self, role: str) -> EmotionJob:
        with self._lock:
            return self._jobs.get(role, EmotionJob(role=role, state="idle"))

    def start(self, role: str) -> EmotionJob:
        """Start tagging the role's untagged clips; Conflict while its job runs."""
        self.ws.role_engine(role)  # an unknown role is refused here, not in the thread
        search = self._locate()
        if search.model is None:
            raise no_model_error(search)
        with self._lock:
            if self._jobs.get(role, EmotionJob(role, "idle")).state == "running":
                raise Conflict(f"emotion tagging of role {role!r} is already running; wait for it to finish")
            self._jobs[role] = EmotionJob(role=role, state="running")
            thread = threading.Thread(target=self._run, args=(role, search), name=f"emotion-tags-{role}",
                                      daemon=True)
            self._threads[role] = thread
        thread.start()
        return self.status(role)

    def wait(self, role: str, timeout: float | None = None) -> EmotionJob:
        thread = self._threads.get(role)
        if thread is not None:
            thread.join(timeout)
        return self.status(role)

    def _set(self, job: EmotionJob) -> None:
        with self._lock:
            self._jobs[job.role] = job

    def _run(self, role: str, search: EmotionModelSearch) -> None:
        try:
            with self._model_lock:
                if self._recognizer is None or self._recognizer.model != search.model:
                    self._recognizer = EmotionRecognizer(search.model, self._device)
                self._set(tag_new_clips(ws=self.ws, role=role, recognizer=self._recognizer, progress=self._set))
        except Exception as exc:  # a failed job is shown on the page, not lost in a thread
            log.exception("emotion tagging of role %s failed", role)
            self._set(replace(self.status(role), state="failed", error=str(exc) or type(exc).__name__))
