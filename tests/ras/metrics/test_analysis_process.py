"""Results are analysed in separate processes at a lower priority than RAS and its GPT-SoVITS workers."""
from __future__ import annotations

import os

import pytest

from ras.metrics.analysis_process import AnalysisFailed, AnalysisProcess, analysis_process_count
from ras.metrics.scoring import DEFAULT_WEIGHTS

TEXT = "Please bring the green umbrella to the station tomorrow."


@pytest.fixture
def process():
    proc = AnalysisProcess({"sv_model": "", "asr_model": "", "gsv_root": "", "asr_device": "cpu"})
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


def test_a_killed_analysis_process_is_started_again(process, espeak_wav):
    wav = espeak_wav(TEXT)
    process.analyze(request(wav, metrics=False))
    os.kill(process.pid, 9)
    with pytest.raises(AnalysisFailed, match="stopped"):
        process.analyze(request(wav, metrics=False))
    assert process.analyze(request(wav, metrics=False))["png"]


def test_analysis_processes_fill_the_cores_the_workers_leave_free():
    assert analysis_process_count(2, 1) == 2  # the second soaks up the worker's core between jobs
    assert analysis_process_count(1, 1) == 1
    assert analysis_process_count(6, 2) == 4
    assert analysis_process_count(16, 1) == 4  # each holds its own models: memory caps them
    assert analysis_process_count(4, 8) == 2
