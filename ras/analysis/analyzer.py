"""The analysis step: spectrogram and automatic metrics for each result as it lands.

The work runs in lower-priority analysis processes (ras.analysis.analysis_process),
so pages never compute on open, the GPT-SoVITS worker never waits for analysis and
a CPU worker keeps its core; this process only reads the result's row and stores
what came back. A result whose analysis fails (an error, a crashed process, or no
answer within the time limit) is tried once more on a fresh process; when that
fails too, the reason is stored in its row (Job.analysis_error) and the result
counts as settled: whatever waits for its metrics goes on without them.
"""
from __future__ import annotations

import collections
import json
import logging
import queue
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from sqlmodel import col, select

from ras.analysis.analysis_process import DEFAULT_LIMITS, AnalysisFailed, AnalysisLimits, AnalysisProcess
from ras.analysis.score_weights import load_weights
from ras.metrics.asr import AsrConfig
from ras.metrics.take_measure import SpeakerEncoderSlot, measure_take
from ras.store.lookups import clip_audio_path, task_languages
from ras.store.role_tables import Clip, Job
from ras.store.workspace import Workspace

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger("ras.analysis.analyzer")


class Analyzer:
    def __init__(self, ws: Workspace, *, sv_model: Path | None = None, asr_model: Path | None = None,
                 gsv_root: Path | None = None, metrics: bool = True, asr_device: str = "cpu", processes: int = 1,
                 limits: AnalysisLimits = DEFAULT_LIMITS):
        """processes: analysis processes working side by side (see analysis_process_count); limits: how
        long one result may take before its process counts as hung."""
        self.ws = ws
        self.asr = AsrConfig(asr_model, gsv_root, asr_device)
        self.metrics = metrics
        self._pool = ThreadPoolExecutor(max_workers=processes, thread_name_prefix="ras-analysis")
        config = {"sv_model": str(sv_model or ""), "asr_model": str(asr_model or ""),
                  "gsv_root": str(gsv_root or ""), "asr_device": asr_device, "metrics": metrics}
        self.processes = [AnalysisProcess(config, limits) for _ in range(processes)]
        self._idle: queue.Queue[AnalysisProcess] = queue.Queue()
        for process in self.processes:
            self._idle.put(process)
        self._encoder_slot = SpeakerEncoderSlot(sv_model, gsv_root)  # for measuring one file here (analyze_file)
        self._listeners: list[Callable[[str, int], None]] = []
        self._lock = threading.Lock()
        # (role, job id) -> submissions not through yet: the backlog is their sum
        self._in_flight: collections.Counter[tuple[str, int]] = collections.Counter()
        self.failed = 0  # results whose analysis failed twice since start (each row says why)
        self._started = False
        self._stopping = False
        # listeners act on what analysis found (re-roll a sentence, pick a finder round's next step):
        # they run one at a time, as they did when one thread analysed everything
        self._listener_lock = threading.Lock()

    def add_listener(self, listener: Callable[[str, int], None]) -> None:
        """Called with (role, job_id) once a result's metrics are stored (or its analysis failed)."""
        self._listeners.append(listener)

    def start_processes(self, languages: Iterable[str] = ()) -> None:
        """Start every analysis process, once: each loads its models at the lowest priority while a
        task's first takes are synthesized, instead of on its own first result later, with the speech
        recognition models of `languages` (text languages; none: English's). The app calls it when a
        task starts; the first result calls it too (results left unanalysed by a restart come without
        a task start). A language first seen later loads its model on its first take."""
        with self._lock:
            first, self._started = not self._started, True
        if first:
            for process in self.processes:
                process.start(languages)

    def start_for_task(self, role: str, task_id: int) -> None:
        """start_processes with the languages of the task's texts."""
        self.start_processes(task_languages(self.ws, role, task_id))

    def submit(self, role: str, job_id: int) -> Future:
        with self._lock:
            self._in_flight[(role, job_id)] += 1
        self.start_processes()
        future = self._pool.submit(self._analyze_logged, role, job_id)
        future.add_done_callback(lambda _future: self._one_done(role, job_id))
        return future

    def _one_done(self, role: str, job_id: int) -> None:
        with self._lock:
            self._in_flight[(role, job_id)] -= 1
            if self._in_flight[(role, job_id)] <= 0:
                del self._in_flight[(role, job_id)]

    def in_flight(self, role: str) -> set[int]:
        """Ids of the role's results submitted and not through yet: waiting, being analysed, or in the
        listeners that act on their analysis (which may queue more takes)."""
        with self._lock:
            return {job_id for (owner, job_id) in self._in_flight if owner == role}

    @property
    def backlog(self) -> int:
        """Results waiting for (or in) analysis."""
        with self._lock:
            return sum(self._in_flight.values())

    def submit_pending(self, role: str) -> int:
        """Results that landed while no analysis ran (e.g. before a restart)."""
        with self.ws.role_session(role) as session:
            ids = session.exec(select(Job.id).where(Job.status == "done", col(Job.spectrogram_path) == "",
                                                    col(Job.analysis_error) == "")).all()
        for job_id in ids:
            self.submit(role, job_id)
        return len(ids)

    def shutdown(self) -> None:
        self._stopping = True  # a result cut off by the shutdown stays pending: the next start analyses it
        self._pool.shutdown(wait=False, cancel_futures=True)
        for process in self.processes:
            process.close()

    def speaker_encoder(self):
        """The speaker encoder in this process (the finder embeds clips with it), loaded on first use;
        None when it will not load."""
        return self._encoder_slot.get()

    def _analyze_logged(self, role: str, job_id: int) -> None:
        try:
            self.analyze(role, job_id)
        except AnalysisFailed as exc:  # stored in the row (or left pending by a shutdown)
            log.warning("analysis of %s job %s failed: %s", role, job_id, exc)
        except Exception:  # one bad file must not stop the step
            log.exception("analysis of %s job %s failed", role, job_id)
        with self._listener_lock:
            for listener in self._listeners:
                try:
                    listener(role, job_id)
                except Exception:  # a listener's failure is not the analysis'
                    log.exception("analysis listener failed for %s job %s", role, job_id)

    def analyze(self, role: str, job_id: int) -> None:
        role_dir = self.ws.role_dir(role)
        with self.ws.role_session(role) as session:
            job = session.get(Job, job_id)
            if job is None or job.status != "done":
                return
            clip = session.get(Clip, job.clip_id)
            ref = clip_audio_path(self.ws, role, clip) if clip is not None else None
            prompt_text = clip.text if clip is not None else ""
            if reference := job.reference:  # spoken with a product's emotion: measured against that reference
                ref, prompt_text = role_dir / reference.ref_audio, reference.prompt_text  # and its text
            request = {"wav": str(role_dir / job.result_path), "text": job.text, "text_lang": job.text_lang,
                       "ref": str(ref) if ref else "", "prompt_text": prompt_text,
                       "metrics": self.metrics, "weights": load_weights(ws=self.ws) if self.metrics else None}
            seconds = job.duration
        process = self._idle.get()
        try:
            answer = self._ask_twice(process, request, seconds)
        except AnalysisFailed as exc:
            if self._stopping:
                raise
            self._store_failure(role, job_id, str(exc))
            raise
        finally:
            self._idle.put(process)
        report = answer["report"]
        with self.ws.role_session(role) as session:
            job = session.get(Job, job_id)
            job.spectrogram_path = Path(answer["png"]).relative_to(role_dir).as_posix()
            job.analysis_error = ""
            if report is not None:
                job.metrics_json = json.dumps({"metrics": report["metrics"], "missing": report["missing"]},
                                              ensure_ascii=False)
                job.auto_score = report["auto_score"]
                job.flags_json = json.dumps(report["flags"], ensure_ascii=False)
            session.add(job)
            session.commit()

    def _ask_twice(self, process: AnalysisProcess, request: dict, audio_seconds: float | None) -> dict:
        """The process's answer; a failed first try (a hung or crashed process is replaced by then) is
        tried once more, and the second failure's reason is raised, saying it was the second."""
        try:
            return process.analyze(request, audio_seconds)
        except AnalysisFailed as first:
            if self._stopping:
                raise
            log.warning("analysis of %s failed, trying once more: %s", request["wav"], first)
        try:
            return process.analyze(request, audio_seconds)
        except AnalysisFailed as second:
            raise AnalysisFailed(f"{second} (failed twice)") from second

    def _store_failure(self, role: str, job_id: int, reason: str) -> None:
        with self.ws.role_session(role) as session:
            job = session.get(Job, job_id)
            if job is None or job.status != "done":
                return
            job.analysis_error = reason[:2000]
            session.add(job)
            session.commit()
        with self._lock:
            self.failed += 1

    def analyze_file(self, wav: Path, text: str, text_lang: str, ref: Path | None,
                     audio: tuple[np.ndarray, int] | None = None, prompt_text: str = "") -> dict:
        """Metrics of one wav, measured here and now (a caller waiting on one file does not queue behind
        the results' analysis); audio is its (samples, rate) when already decoded; prompt_text is the
        reference's own text (a take opening with it gets text_leak)."""
        from ras.audio.load import load_mono

        samples, sr = audio if audio is not None else load_mono(wav)
        return measure_take(samples, sr, text, text_lang, ref, encoder_slot=self._encoder_slot, asr=self.asr,
                            weights=load_weights(ws=self.ws), prompt_text=prompt_text)
