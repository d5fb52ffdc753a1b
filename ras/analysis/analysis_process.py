"""Result analysis in separate processes at a lower OS priority.

Analysing a result (decode, spectrogram, signal metrics, DNSMOS, speaker
similarity, ASR) is CPU work. On the web process's threads it held the GIL
against page requests and, beside a CPU GPT-SoVITS worker, took that
worker's cycles. Each analysis process runs at the lowest priority with one
thread, so a worker keeps its core and analysis takes what is left: on Linux
the idle scheduling class on top of nice 19 (a waking worker takes the core
back at once; at nice 19 alone a worker's inference measured 10-25 % slower
beside two analysis processes), IDLE_PRIORITY_CLASS on Windows. A process
serves one request at a time over JSON lines on its stdin/stdout; one that
dies is started again for the next request. Every request has a time limit
(AnalysisLimits) that grows with the take's length: a process that uses it up
without answering is killed with its process group and started again.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ras.audio.files import remove_partials
from ras.audio.spectrogram import spectrogram_path_for
from ras.child_process import LineReader, child_env, kill_group, new_group_kwargs, protocol_stdout

log = logging.getLogger(__name__)

NICE_INCREMENT = 19  # the lowest priority: analysis never takes a cycle a worker or a page wants
MAX_ANALYSIS_PROCESSES = 4


CHILD_MODULE = __name__  # the child runs this very module (main below)


class AnalysisFailed(RuntimeError):
    """The analysis of one result failed (its message says why); the process goes on."""


class AnalysisHung(AnalysisFailed):
    """The process gave no answer within the request's time limit; it was killed and is started again."""


@dataclass(frozen=True)
class AnalysisLimits:
    """How long one request may take before its process counts as hung: base_seconds plus
    per_audio_second for each second of the take, plus load_allowance the first time a process
    analyses a language (it loads its models then: DNSMOS, the speaker encoder, that language's ASR
    model). Measured here: a 4-s take costs ~2 s of CPU once loaded. Time spent waiting for a CPU
    does not count (ras.child_process), so a busy machine makes analysis slow, never "hung"."""

    base_seconds: float = 60.0
    per_audio_second: float = 10.0
    load_allowance: float = 300.0

    def __post_init__(self):
        if min(self.base_seconds, self.per_audio_second, self.load_allowance) < 0 or self.base_seconds <= 0:
            raise ValueError(f"analysis time limits must be positive, got {self}")

    def for_request(self, audio_seconds: float | None, first_use: bool) -> float:
        return (self.base_seconds + self.per_audio_second * max(audio_seconds or 0.0, 0.0)
                + (self.load_allowance if first_use else 0.0))


def analysis_process_count(cpu_count: int | None, busy_cores: int) -> int:
    """The cores the GPT-SoVITS workers leave free, but at least two where there are two cores (at
    the lowest priority they only take idle cycles, and the second one uses the worker's core
    whenever synthesis pauses or ends) and at most MAX_ANALYSIS_PROCESSES (each holds its own
    models, ~1 GB)."""
    cores = max(cpu_count or 1, 1)
    return max(1, min(MAX_ANALYSIS_PROCESSES, cores, max(2, cores - busy_cores)))


DEFAULT_LIMITS = AnalysisLimits()


class AnalysisProcess:
    """One child process; a call waits for its answer, and calls from several threads take turns."""

    def __init__(self, config: dict, limits: AnalysisLimits = DEFAULT_LIMITS):
        self.config = config
        self.limits = limits
        self._proc: subprocess.Popen | None = None
        self._reader: LineReader | None = None
        self._languages: set[str] = set()  # languages the running child has analysed (its models are loaded)
        self._warm_up_languages: tuple[str, ...] = ()  # whose ASR models a new child loads before any request
        self._lock = threading.Lock()
        self._closed = False

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None and self._proc.poll() is None else None

    def analyze(self, request: dict, audio_seconds: float | None = None) -> dict:
        """{"png": path, "report": metrics report or None} for one result (see analyze_request);
        audio_seconds, the take's length, sets the time limit."""
        with self._lock:
            self._running()  # a child that died since its last answer is replaced first, so it loads again
            language = request.get("text_lang", "")
            limit = self.limits.for_request(audio_seconds, first_use=language not in self._languages)
            line = self._exchange(json.dumps(request, ensure_ascii=False), limit)
            if not line:  # killed or died mid-request: what it was writing stays half-written
                remove_partials(spectrogram_path_for(request["wav"]))
            if line is None:
                raise AnalysisHung(f"no answer within {limit:.0f} s for {Path(request.get('wav', '')).name} "
                                   f"({audio_seconds or 0:.1f} s of audio): the analysis process was killed and "
                                   "replaced")
            if line:
                self._languages.add(language)
        if not line:
            raise AnalysisFailed(f"the analysis process stopped while analysing {request.get('wav')}")
        answer = json.loads(line)
        if "error" in answer:
            raise AnalysisFailed(answer["error"])
        return answer

    def _exchange(self, line: str, limit: float) -> str | None:
        """The child's answer line; "" when it died on the request, None when it used up `limit`
        without answering. Either way it is killed (with its own children) and the next request
        starts a new one."""
        proc, reader = self._running()
        try:
            proc.stdin.write(line + "\n")
            proc.stdin.flush()
            answer = reader.next_line(proc.pid, limit)
        except (BrokenPipeError, OSError, ValueError):
            answer = ""
        if not answer:
            self._discard(proc)
        return answer

    def _discard(self, proc: subprocess.Popen) -> None:
        # a killed child may not be reaped yet when its pipe closes, so it is not asked whether it
        # still runs: its group is killed either way
        if self._proc is proc:
            self._proc, self._reader = None, None
            self._languages = set()  # the next process loads its models again
        kill_group(proc)
        with contextlib.suppress(OSError):  # the unsent rest of the request has nowhere to go
            proc.stdin.close()

    def _running(self) -> tuple[subprocess.Popen, LineReader]:
        if self._closed:
            raise AnalysisFailed("analysis has been shut down")
        if self._proc is None or self._proc.poll() is not None:
            if self._proc is not None:
                self._discard(self._proc)
            env = child_env(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
            flags = subprocess.IDLE_PRIORITY_CLASS if sys.platform == "win32" else 0
            config = {**self.config, "warm_up_languages": list(self._warm_up_languages)}
            self._proc = subprocess.Popen(
                [sys.executable, "-m", CHILD_MODULE, json.dumps(config)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8", env=env,
                **new_group_kwargs(flags))
            self._reader = LineReader(self._proc.stdout, name=f"ras-analysis-{self._proc.pid}")
        return self._proc, self._reader

    def start(self, languages: Iterable[str] = ()) -> None:
        """Start the child now, if it is not running, without waiting for it: it loads its models
        (see warm_up), the ASR models of these text languages among them, while nothing is asked of it
        yet. A child started again after a crash loads the same."""
        with self._lock:
            self._warm_up_languages = tuple(dict.fromkeys(languages))
            self._running()

    def close(self) -> None:
        """Stop the child for good (a request in flight fails); later requests fail at once."""
        self._closed = True
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            try:
                proc.stdin.close()  # the child ends its loop on the end of its input
                proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                pass
        kill_group(proc)  # a stopped or busy child, and anything it started


# ---------------------------------------------------------------- the child's side

def analyze_request(request: dict, encoder_slot, asr) -> dict:
    """Spectrogram and (when request["metrics"]) the metrics report of request["wav"]."""
    from ras.audio.load import load_mono
    from ras.audio.spectrogram import render_spectrogram
    from ras.metrics.take_measure import measure_take

    wav = Path(request["wav"])
    if not request["metrics"]:
        return {"png": str(render_spectrogram(wav)), "report": None}
    audio = load_mono(wav)  # decoded once for the picture and the metrics
    png = render_spectrogram(wav, audio=audio)
    ref = Path(request["ref"]) if request.get("ref") else None
    report = measure_take(*audio, request["text"], request["text_lang"], ref, encoder_slot=encoder_slot, asr=asr,
                          weights=request["weights"], prompt_text=request.get("prompt_text", ""))
    return {"png": str(png), "report": report}


WARM_UP_SECONDS = 1.0


def warm_up(encoder_slot, asr, metrics: bool, languages: Iterable[str] = ()) -> None:
    """Analyse one generated second of sound before the first real request: the imports, the
    models, the spectrogram and each model's first run (which sets up its buffers) cost ~3 s of CPU
    once per process, and a process paying it on its first result makes that result late. Once per
    speech recognition model that serves one of `languages` (English's without any): FunASR's import
    and a model's load take ~10 s more, within the first request's load allowance."""
    import tempfile

    import numpy as np
    import soundfile as sf

    sr = 16_000
    t = np.arange(int(WARM_UP_SECONDS * sr)) / sr
    tone = 0.3 * np.sin(2 * np.pi * 150 * t) * np.hanning(len(t))
    with tempfile.TemporaryDirectory(prefix="ras-warm-up-") as folder:
        wav = Path(folder) / "warm_up.wav"
        sf.write(wav, tone.astype(np.float32), sr)
        for lang in warm_up_languages(asr, languages) if metrics else ["en"]:
            analyze_request({"wav": str(wav), "metrics": metrics, "text": "warm up", "text_lang": lang,
                             "ref": str(wav), "weights": None}, encoder_slot, asr)


def warm_up_languages(asr, languages: Iterable[str]) -> list[str]:
    """One language per model that serves these languages (["en"] without any)."""
    chosen: dict = {}
    for lang in languages:
        model = asr.choose(lang).model
        chosen.setdefault(model.folder if model else None, lang)
    return list(chosen.values()) or ["en"]


def main() -> None:
    from ras.metrics import dnsmos
    from ras.metrics.asr import AsrConfig
    from ras.metrics.take_measure import SpeakerEncoderSlot

    protocol = protocol_stdout()
    if hasattr(os, "nice"):
        os.nice(NICE_INCREMENT)
    if hasattr(os, "SCHED_IDLE"):  # Linux
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    dnsmos.use_threads(1)  # one process per free core, one thread each
    config = json.loads(sys.argv[1])
    path = lambda key: Path(config[key]) if config.get(key) else None  # noqa: E731
    encoder_slot = SpeakerEncoderSlot(path("sv_model"), path("gsv_root"))
    asr = AsrConfig(path("asr_model"), path("gsv_root"), config.get("asr_device", "cpu"))
    try:
        warm_up(encoder_slot, asr, bool(config.get("metrics", True)), config.get("warm_up_languages", ()))
    except Exception:  # the first real request will say what is wrong
        log.exception("analysis warm-up failed")
    for line in sys.stdin:
        try:
            answer = analyze_request(json.loads(line), encoder_slot, asr)
        except Exception as exc:  # one bad file must not stop the process
            log.exception("analysis failed")
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        try:
            protocol.write(json.dumps(answer, ensure_ascii=False, default=float) + "\n")
            protocol.flush()
        except BrokenPipeError:  # the web process died (or gave up on this answer): nobody reads any more
            os._exit(0)


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    main()
