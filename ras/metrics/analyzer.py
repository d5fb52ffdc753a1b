"""The analysis step: spectrogram and automatic metrics for each result as it lands.

Runs in RAS's own environment on a background thread, so pages never compute on
open and the GPU worker never waits for analysis.
"""
from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from sqlmodel import col, select

from ras.library.clips import clip_audio_path
from ras.metrics.asr import AsrConfig
from ras.store.role_tables import Clip, Job
from ras.store.workspace import Workspace

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger("ras.metrics.analyzer")


class Analyzer:
    def __init__(self, ws: Workspace, *, sv_model: Path | None = None, asr_model: Path | None = None,
                 gsv_root: Path | None = None, metrics: bool = True, asr_device: str = "cpu"):
        self.ws = ws
        self.sv_model, self.asr_model, self.gsv_root = sv_model, asr_model, gsv_root
        self.asr = AsrConfig(asr_model, gsv_root, asr_device)
        self.metrics = metrics
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ras-analysis")
        self._encoder_lock = threading.Lock()
        self._encoder = None
        self._encoder_error: str | None = None
        self._listeners: list[Callable[[str, int], None]] = []
        self._backlog, self._backlog_lock = 0, threading.Lock()

    def add_listener(self, listener: Callable[[str, int], None]) -> None:
        """Called with (role, job_id) once a result's metrics are stored (or its analysis failed)."""
        self._listeners.append(listener)

    def submit(self, role: str, job_id: int) -> Future:
        with self._backlog_lock:
            self._backlog += 1
        future = self._pool.submit(self._analyze_logged, role, job_id)
        future.add_done_callback(self._one_done)
        return future

    def _one_done(self, _future: Future) -> None:
        with self._backlog_lock:
            self._backlog -= 1

    @property
    def backlog(self) -> int:
        """Results waiting for (or in) analysis."""
        return self._backlog

    def submit_pending(self, role: str) -> int:
        """Results that landed while no analysis ran (e.g. before a restart)."""
        with self.ws.role_session(role) as session:
            ids = session.exec(select(Job.id).where(Job.status == "done", col(Job.spectrogram_path) == "")).all()
        for job_id in ids:
            self.submit(role, job_id)
        return len(ids)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def speaker_encoder(self):
        """Loaded once, on first use; a missing model makes the metric absent, not an error."""
        with self._encoder_lock:
            if self._encoder is None and self._encoder_error is None:
                try:
                    from ras.classify.speaker import load_encoder

                    self._encoder = load_encoder(str(self.sv_model) if self.sv_model else None,
                                                 gsv_root=str(self.gsv_root) if self.gsv_root else None)
                except Exception as exc:  # noqa: BLE001
                    self._encoder_error = f"speaker encoder unavailable: {exc}"
                    log.warning(self._encoder_error)
            return self._encoder

    def _analyze_logged(self, role: str, job_id: int) -> None:
        try:
            self.analyze(role, job_id)
        except Exception:  # noqa: BLE001 - one bad file must not stop the step
            log.exception("analysis of %s job %s failed", role, job_id)
        for listener in self._listeners:
            try:
                listener(role, job_id)
            except Exception:  # noqa: BLE001 - a listener's failure is not the analysis'
                log.exception("analysis listener failed for %s job %s", role, job_id)

    def analyze(self, role: str, job_id: int) -> None:
        from ras.audio.load import load_mono
        from ras.audio.spectrogram import render_spectrogram

        role_dir = self.ws.role_dir(role)
        with self.ws.role_session(role) as session:
            job = session.get(Job, job_id)
            if job is None or job.status != "done":
                return
            wav = role_dir / job.result_path
            clip = session.get(Clip, job.clip_id)
            ref = clip_audio_path(self.ws, role, clip)
            prompt_text = clip.text if clip is not None else ""
        if self.metrics:
            audio = load_mono(wav)  # decoded once for the picture and the metrics
            png = render_spectrogram(wav, audio=audio)
            report = self.analyze_file(wav, job.text, job.text_lang, ref, audio=audio, prompt_text=prompt_text)
        else:
            png, report = render_spectrogram(wav), None
        with self.ws.role_session(role) as session:
            job = session.get(Job, job_id)
            job.spectrogram_path = png.relative_to(role_dir).as_posix()
            if report is not None:
                job.metrics_json = json.dumps({"metrics": report["metrics"], "missing": report["missing"]},
                                              ensure_ascii=False)
                job.auto_score = report["auto_score"]
                job.flags_json = json.dumps(report["flags"], ensure_ascii=False)
            session.add(job)
            session.commit()

    def analyze_file(self, wav: Path, text: str, text_lang: str, ref: Path | None,
                     audio: tuple[np.ndarray, int] | None = None, prompt_text: str = "") -> dict:
        """Metrics of one wav; audio is its (samples, rate) when already decoded; prompt_text is the
        reference's own text (a take opening with it gets text_leak)."""
        from ras.audio.load import load_mono
        from ras.metrics import analyze_samples
        from ras.metrics.score_weights import load_weights

        samples, sr = audio if audio is not None else load_mono(wav)
        encoder = self.speaker_encoder() if ref is not None else None
        report = analyze_samples(samples, sr, text, text_lang, ref_path=str(ref) if ref else None,
                                 speaker_encoder=encoder,
                                 asr_model_dir=self.asr.model_for(text_lang), asr_device=self.asr.device,
                                 prompt_text=prompt_text, weights=load_weights(ws=self.ws))
        if encoder is None and ref is not None and self._encoder_error:
            report["missing"]["speaker_similarity"] = self._encoder_error
        return report
