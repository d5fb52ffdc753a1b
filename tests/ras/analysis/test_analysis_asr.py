"""Results analysed in the real analysis processes hear each language with the model the user has,
without any flag: a GPT-SoVITS root's Paraformer for Chinese, SenseVoice from the ModelScope cache,
the bundled tiny.en for English. The tiny FunASR models have random weights, so Chinese takes are
checked for the metrics' presence and consistency; the English take, read by a real model, is
checked for what went wrong in it, down to the gate's reasons."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import text

from ras import gate
from ras.analysis.analyzer import Analyzer
from ras.library import importer, roles, texts
from ras.metrics.asr import BUNDLED_LABEL
from ras.metrics.text_compare import compare_texts
from ras.queue import tasks
from ras.store.role_tables import Job
from ras.store.workspace import Workspace
from tests.fixtures.app import wait_for, write_tone
from tests.fixtures.funasr import PARAFORMER

CHINESE_TEXT = "今天天气很好，我们去公园散步吧。"
ENGLISH_TEXT = "Please bring the green umbrella to the station tomorrow, and wait for me by the clock."
TRANSCRIPT_FLAGS = {"swallowed", "extra_words", "wrong_words"}
pytestmark = pytest.mark.slow  # three analysis processes, each loading its models (~5 min on a busy machine)


@pytest.fixture
def landed(tmp_path):
    """land(lang, text, wav) -> (ws, role, task_id, job_id): one finished take of `text` in a new role."""
    ws = Workspace(tmp_path / "roles")
    made = []

    def land(lang: str, content: str, wav: Path):
        role = roles.create_role(ws=ws, category="识别", name=f"r{len(made)}")
        write_tone(tmp_path / "ref.wav", 4.0)
        (tmp_path / "r.list").write_text(f"{tmp_path / 'ref.wav'}|s|{lang}|{content}\n", encoding="utf-8")
        importer.import_list(ws=ws, role=role, list_path=tmp_path / "r.list")
        text_id = texts.add_text(ws=ws, content=content, lang=lang)
        task_id = tasks.create_task(ws=ws, role=role, spec={"clip_ids": [1], "text_ids": [text_id]}).task_id
        relpath = f"results/{task_id}/take.wav"
        (ws.role_dir(role) / relpath).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(wav, ws.role_dir(role) / relpath)
        with ws.role_engine(role).begin() as conn:
            job_id = conn.execute(text("SELECT id FROM job WHERE task_id=:t"), {"t": task_id}).scalar_one()
            conn.execute(text("UPDATE job SET status='done', result_path=:p, duration=4.0 WHERE id=:id"),
                         {"p": relpath, "id": job_id})
        made.append(role)
        return ws, role, task_id, job_id

    yield land
    ws.close()


def analysed(analyzer: Analyzer, ws, role: str, job_id: int) -> Job:
    analyzer.submit(role, job_id).result(timeout=600)
    with ws.role_session(role) as session:
        job = session.get(Job, job_id)
    assert job.auto_score is not None, job.analysis_error
    return job


def loaded_libraries(pid: int) -> str:
    with open(f"/proc/{pid}/maps", encoding="utf-8", errors="replace") as maps:
        return maps.read()


def assert_consistent(job: Job, content: str, lang: str) -> None:
    """The stored metrics are the stored transcript's comparison with the text, and the flags say the same."""
    metrics = job.metrics
    scored = compare_texts(content, metrics["asr_text"], lang)
    assert metrics["cer"] == scored.error_rate and metrics["cer_ops"] == scored.ops()
    assert metrics["longest_wrong_run"] == scored.longest_wrong_run
    assert set(job.flags) & TRANSCRIPT_FLAGS == set(scored.failures), (metrics, job.flags)


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads what a process has loaded from /proc")
def test_a_chinese_take_is_read_by_the_gpt_sovits_paraformer_loaded_before_it(tiny_funasr, landed, chinese_wav):
    ws, role, task_id, job_id = landed("zh", CHINESE_TEXT, chinese_wav)
    analyzer = Analyzer(ws, gsv_root=tiny_funasr.gsv_root, processes=1)
    try:
        analyzer.start_for_task(role, task_id)  # a Chinese task: the process loads FunASR's model first
        process = analyzer.processes[0]
        wait_for(lambda: "kaldi_native_fbank" in loaded_libraries(process.pid), timeout=300,
                 what="the FunASR model to load before any Chinese result")
        job = analysed(analyzer, ws, role, job_id)
    finally:
        analyzer.shutdown()
    assert job.metrics["asr_model"] == PARAFORMER and job.metrics["cer_unit"] == "char"
    assert_consistent(job, CHINESE_TEXT, "zh")
    take = gate.Take(job.id, True, job.auto_score, tuple(job.flags), job.chars_per_second, job.metrics["cer"])
    reasons = gate.reasons(take, gate.Gate(), None)
    # a random model writes noise: the take fails, and each kind of transcript failure is a reason
    assert reasons and all(f"flag:{flag}" in reasons for flag in set(job.flags) & TRANSCRIPT_FLAGS), reasons


def test_a_chinese_take_is_read_by_sensevoice_from_the_modelscope_cache(tiny_funasr, landed, chinese_wav,
                                                                        tmp_path, monkeypatch):
    cache = tmp_path / "modelscope"
    (cache / "models" / "iic").mkdir(parents=True)
    (cache / "models" / "iic" / "SenseVoiceSmall").symlink_to(tiny_funasr.cached("SenseVoiceSmall"))
    monkeypatch.setenv("MODELSCOPE_CACHE", str(cache))  # the analysis process inherits it
    ws, role, _task_id, job_id = landed("zh", CHINESE_TEXT, chinese_wav)
    analyzer = Analyzer(ws, processes=1)  # no flag, no GPT-SoVITS root
    try:
        job = analysed(analyzer, ws, role, job_id)
    finally:
        analyzer.shutdown()
    assert job.metrics["asr_model"] == "iic/SenseVoiceSmall"
    assert "<|" not in job.metrics["asr_text"]
    assert_consistent(job, CHINESE_TEXT, "zh")


def test_an_english_take_that_leaves_out_its_last_third_is_swallowed_and_the_gate_says_so(landed, espeak_wav):
    words = ENGLISH_TEXT.split()
    said = espeak_wav(" ".join(words[:2 * len(words) // 3]))
    ws, role, _task_id, job_id = landed("en", ENGLISH_TEXT, said)
    analyzer = Analyzer(ws, processes=1)
    try:
        job = analysed(analyzer, ws, role, job_id)
    finally:
        analyzer.shutdown()
    assert job.metrics["asr_model"] == BUNDLED_LABEL and job.metrics["cer_unit"] == "letter"
    assert "swallowed" in job.flags, job.metrics
    take = gate.Take(job.id, True, job.auto_score, tuple(job.flags), job.chars_per_second, job.metrics["cer"])
    assert "flag:swallowed" in gate.reasons(take, gate.Gate(), None)


@pytest.fixture(scope="module")
def chinese_wav(espeak_wav):
    return espeak_wav(CHINESE_TEXT, voice="zh")
