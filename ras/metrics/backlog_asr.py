"""Transcripts of waiting results made together, while analysis has a backlog.

Whisper encodes a 30-s window whatever the clip's length, so a 4-s take transcribed
alone pays for 30 s. When results land faster than analysis reads them, the result
being analysed is transcribed in one window with the next waiting results of the same
role, language and model (asr.transcribe_many); their transcripts wait here until their
own analysis picks them up. With no backlog nothing changes: a result is transcribed alone.
"""
from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from pathlib import Path

from sqlmodel import col, select

from ras.audio.load import load_mono, resample
from ras.metrics import asr
from ras.store.role_tables import Job
from ras.store.workspace import Workspace

log = logging.getLogger(__name__)

KEPT_TRANSCRIPTS = 64  # made ahead but not yet read: bounded, in case a result is never analysed


def _file_key(role: str, job_id: int, wav: Path) -> tuple | None:
    try:
        stat = wav.stat()
    except OSError:
        return None
    return role, job_id, str(wav), stat.st_mtime_ns, stat.st_size


class BacklogTranscripts:
    def __init__(self, ws: Workspace, config: asr.AsrConfig) -> None:
        self.ws, self.config = ws, config
        self._lock = threading.Lock()
        self._waiting: dict[tuple[str, int], None] = {}  # submitted, not yet started, oldest first
        self._made: OrderedDict[tuple, str] = OrderedDict()

    def waiting(self, role: str, job_id: int) -> None:
        with self._lock:
            self._waiting[(role, job_id)] = None

    def started(self, role: str, job_id: int) -> None:
        with self._lock:
            self._waiting.pop((role, job_id), None)

    def transcript(self, role: str, job: Job, wav: Path, samples, sr: int) -> str | None:
        """The result's transcript when it was (or now is) made in a shared window; None when it is
        to be transcribed alone (no backlog of its kind, or no model for its language)."""
        key = _file_key(role, job.id, wav)
        with self._lock:
            if key in self._made:
                return self._made.pop(key)
        folder = self.config.model_for(job.text_lang)
        if key is None or folder is None:
            return None
        companions = self._companions(role, job, folder, len(samples) / sr)
        if not companions:
            return None
        try:
            model = asr.load_asr_model(str(folder), self.config.device)
            clips = [resample(samples, sr, asr.WINDOW_SR)] + [clip for _, clip in companions]
            texts = asr.transcribe_many(clips, model, job.text_lang)
        except Exception:  # noqa: BLE001 - each result is then transcribed alone, which reports its error
            log.exception("shared-window transcription failed; transcribing results one by one")
            return None
        with self._lock:
            for (companion_key, _), text in zip(companions, texts[1:]):
                self._made[companion_key] = text
            while len(self._made) > KEPT_TRANSCRIPTS:
                self._made.popitem(last=False)
        return texts[0]

    def _companions(self, role: str, job: Job, folder: Path, seconds: float) -> list[tuple[tuple, object]]:
        """Waiting results of this role that share the job's model and Whisper language and fit in its
        window: (their key, their 16-kHz samples)."""
        with self._lock:
            ids = [job_id for (waiting_role, job_id) in self._waiting if waiting_role == role and job_id != job.id]
        if not ids:
            return []
        language = asr.whisper_language(job.text_lang)
        role_dir = self.ws.role_dir(role)
        with self.ws.role_session(role) as session:
            rows = session.exec(select(Job).where(col(Job.id).in_(ids), Job.status == "done")).all()
        by_id = {row.id: row for row in rows}
        found, used = [], seconds
        for job_id in ids:
            row = by_id.get(job_id)
            if row is None or not row.result_path or asr.whisper_language(row.text_lang) != language \
                    or self.config.model_for(row.text_lang) != folder:
                continue
            wav = role_dir / row.result_path
            key = _file_key(role, job_id, wav)
            with self._lock:
                if key is None or key in self._made:
                    continue
            try:
                samples, sr = load_mono(wav)
            except Exception:  # noqa: BLE001 - its own analysis will report the unreadable file
                continue
            length = len(samples) / sr
            if used + asr.GAP_SECONDS + length > asr.WINDOW_SECONDS:
                break
            used += asr.GAP_SECONDS + length
            found.append((key, resample(samples, sr, asr.WINDOW_SR)))
        return found
