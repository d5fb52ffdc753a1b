"""Results are analysed in separate processes at a lower priority than RAS and its GPT-SoVITS workers."""
from __future__ import annotations

import os

import pytest

import webui_ras
from ras.analysis.analysis_process import AnalysisFailed, AnalysisProcess, analysis_process_count
from ras.analysis.analyzer import Analyzer
from ras.library import importer, roles, texts
from ras.metrics.scoring import DEFAULT_WEIGHTS
from ras.queue import tasks
from ras.settings import Settings
from ras.store.workspace import Workspace
from tests.fixtures.app import wait_for, write_tone

TEXT = "Please bring the green umbrella to the station tomorrow."


@pytest.fixture
def process():
    proc = AnalysisProcess({"sv_model": "", "asr_model": "", "gsv_root": "", "asr_device": "cpu"})
    yield proc
    proc.close()


@pytest.fixture
def spectrogram_process():
    """A process that only renders spectrograms: it starts without loading the scoring models."""
    proc = AnalysisProcess({"sv_model": "", "asr_model": "", "gsv_root": "", "asr_device": "cpu", "metrics": False})
    yield proc
    proc.close()


def request(wav, **extra) -> dict:
    return {"wav": str(wav), "text": TEXT, "text_lang": "en", "ref": "", "prompt_text": "", "metrics": True,
            "weights": dict(DEFAULT_WEIGHTS), **extra}


@pytest.mark.skipif(not hasattr(os, "getpriority"), reason="POSIX priorities")
def test_a_result_is_analysed_at_a_lower_priority_and_a_bad_file_does_not_stop_the_process(
        process, espeak_wav, tmp_path):
    wav = tmp_path / "take.wav"
    wav.write_bytes(espeak_wav(TEXT).read_bytes())
    answer = process.analyze(request(wav))
    assert os.path.isfile(answer["png"]) and answer["report"]["metrics"]["cer"] < 0.25
    assert "dnsmos_ovrl" in answer["report"]["metrics"]
    assert os.getpriority(os.PRIO_PROCESS, process.pid) > os.getpriority(os.PRIO_PROCESS, 0)
    if hasattr(os, "SCHED_IDLE"):  # Linux: only cycles nothing else wants
        assert os.sched_getscheduler(process.pid) == os.SCHED_IDLE
    pid = process.pid
    with pytest.raises(AnalysisFailed, match="missing.wav"):
        process.analyze(request(tmp_path / "missing.wav"))
    assert process.analyze(request(wav, metrics=False))["report"] is None
    assert process.pid == pid  # the same process went on


def test_a_killed_analysis_process_is_started_again(spectrogram_process, espeak_wav):
    wav = espeak_wav(TEXT)
    spectrogram_process.analyze(request(wav, metrics=False))
    os.kill(spectrogram_process.pid, 9)
    with pytest.raises(AnalysisFailed, match="stopped"):
        spectrogram_process.analyze(request(wav, metrics=False))
    assert spectrogram_process.analyze(request(wav, metrics=False))["png"]


def loaded_libraries(pid: int) -> str:
    with open(f"/proc/{pid}/maps", encoding="utf-8", errors="replace") as maps:
        return maps.read()


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads what a process has loaded from /proc")
def test_a_started_process_loads_its_models_before_its_first_result(process, espeak_wav):
    process.start()
    # DNSMOS (onnxruntime), the speaker encoder (torch) and English ASR (CTranslate2) load while
    # nothing is asked, so the first result is not late by their loading
    wait_for(lambda: all(lib in loaded_libraries(process.pid) for lib in ("onnxruntime", "libtorch", "ctranslate2")),
             timeout=120, what="the analysis models to load before any request")
    pid = process.pid
    wav = espeak_wav(TEXT)
    report = process.analyze(request(wav, ref=str(wav)))["report"]
    assert process.pid == pid and "dnsmos_ovrl" in report["metrics"] and report["metrics"]["speaker_similarity"] > 0.9


def test_the_first_result_starts_every_analysis_process(tmp_path):
    ws = Workspace(tmp_path / "roles")
    analyzer = Analyzer(ws, metrics=False, processes=2)
    try:
        assert [p.pid for p in analyzer.processes] == [None, None]  # nothing runs before any result
        analyzer.submit("nobody", 1).result(timeout=60)
        assert all(p.pid is not None for p in analyzer.processes)
    finally:
        analyzer.shutdown()
        ws.close()


def test_a_task_start_starts_every_analysis_process_before_any_result(tmp_path):
    """The app starts analysis when a task is queued, so the models load while GPT-SoVITS loads its
    weights. Nothing synthesizes here: the only engine's address does not answer."""
    ctx = webui_ras.make_context(Settings(roles_dir=tmp_path / "roles", engine_urls=("http://127.0.0.1:9",)))
    try:
        role = roles.create_role(ws=ctx.ws, category="分析", name="预热")
        write_tone(tmp_path / "ref.wav", 4.0)
        (tmp_path / "r.list").write_text(f"{tmp_path / 'ref.wav'}|s|zh|参考音频\n", encoding="utf-8")
        importer.import_list(ws=ctx.ws, role=role, list_path=tmp_path / "r.list")
        text_id = texts.add_text(ws=ctx.ws, content="预热测试文本", lang="zh")
        task_id = tasks.create_task(ws=ctx.ws, role=role, spec={"clip_ids": [1], "text_ids": [text_id]}).task_id
        assert all(p.pid is None for p in ctx.analyzer.processes)  # nothing runs while nothing is queued
        ctx.runner.run_task(role, task_id)
        assert all(p.pid is not None for p in ctx.analyzer.processes)
        assert ctx.runner.status(role, task_id).done == 0
    finally:
        ctx.runner.shutdown()
        ctx.analyzer.shutdown()
        ctx.ws.close()


def test_analysis_processes_fill_the_cores_the_workers_leave_free():
    assert analysis_process_count(2, 1) == 2  # the second soaks up the worker's core between jobs
    assert analysis_process_count(1, 1) == 1
    assert analysis_process_count(6, 2) == 4
    assert analysis_process_count(16, 1) == 4  # each holds its own models: memory caps them
    assert analysis_process_count(4, 8) == 2
