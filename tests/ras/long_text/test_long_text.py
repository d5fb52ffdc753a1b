"""Long-text runs without an engine: jobs per sentence and configuration, joining, re-generation, score, export."""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

from sqlmodel import select

from ras.audio.wav_tags import read_settings
from ras.long_text import export as long_text_export
from ras.long_text import runs as long_text
from ras.long_text import status as run_views
from ras.store.role_tables import Clip, Job, Task
from tabs.api_json import to_json
from tests.fixtures.app import write_tone
from tests.fixtures.products import make_result

TEXT = "The first sentence is here. The second one follows. And the third ends it."


class FakeRunner:
    def __init__(self):
        self.started = []

    def is_active(self, role, task_id):
        return False

    def run_task(self, role, task_id):
        self.started.append(task_id)


def finish_all(ws, role, task_id, seconds=0.5):
    with ws.role_session(role) as session:
        jobs = session.exec(select(Job).where(Job.task_id == task_id, Job.status == "queued")).all()
        for job in jobs:
            relpath = f"results/{task_id}/{job.id}.wav"
            write_tone(ws.role_dir(role) / relpath, seconds, seed=job.id)
            job.status, job.result_path, job.duration, job.attempts = "done", relpath, seconds, job.attempts + 1
            session.add(job)
        session.commit()
        ids = [j.id for j in jobs]
    for job_id in ids:
        long_text.after_result(ws, role, job_id)
    return ids


def test_a_run_makes_one_job_per_sentence_per_configuration_and_joins_them(setup, tmp_path):
    ws, role, _, result_id, _ = setup
    second = make_result(ws, role, tmp_path)
    started = long_text.start_long_text(ws=ws, role=role, result_ids=[result_id, second], text=TEXT)
    assert started.sentences == ("The first sentence is here.", "The second one follows.", "And the third ends it.")
    with ws.role_session(role) as session:
        task = session.get(Task, started.task_id)
        jobs = session.exec(select(Job).where(Job.task_id == task.id).order_by(Job.id)).all()
    assert task.kind == "long_text" and len(jobs) == 6
    assert all(j.text_id is None and j.text_lang == "en" for j in jobs)
    assert [j.text for j in jobs[:3]] == list(started.sentences)
    assert long_text.top_results(ws=ws, role=role, task_id=1, n=3) == [result_id]

    finish_all(ws, role, task.id)
    status = run_views.run_status(ws=ws, role=role, run_id=started.run_id)
    assert status.done == 6 and len(status.parts) == 2
    part = status.parts[0]
    assert part.joined_audio and part.spectrogram and len(part.sentences) == 3
    listing = json.loads(Path(part.joined_audio.replace(".wav", ".json")).read_text())
    assert [s["start"] for s in listing["sentences"]] == [0.0, 0.8, 1.6]

    runner = FakeRunner()
    regenerated = long_text.regenerate_sentence(ws=ws, runner=runner, role=role, run_id=started.run_id, index=1,
                                                part_id=part.part_id)
    assert regenerated.status == "queued" and regenerated.seed is not None and "path" not in to_json(regenerated)
    assert runner.started == [task.id]
    status = run_views.run_status(ws=ws, role=role, run_id=started.run_id)
    assert [s.status for s in status.parts[0].sentences] == ["done", "queued", "done"]
    assert all(s.status == "done" for s in status.parts[1].sentences)
    before = Path(part.joined_audio).read_bytes()
    finish_all(ws, role, task.id, seconds=0.7)
    assert Path(part.joined_audio).read_bytes() != before

    scored = long_text.score_part(ws=ws, role=role, part_id=part.part_id, score=4)
    assert scored.score == 4
    with ws.role_session(role) as session:
        assert session.get(Clip, part.clip_id).long_text_score == 4
    exported = long_text_export.export_part(ws=ws, role=role, part_id=part.part_id)
    with zipfile.ZipFile(exported) as archive:
        stem = f"long_text_{started.run_id}_{part.part_id}"
        assert set(archive.namelist()) == {f"{stem}.wav", f"{stem}.srt", "sentences.json", "long_text.json",
                                           "sentences/001.wav", "sentences/002.wav", "sentences/003.wav"}
        assert len(json.loads(archive.read("sentences.json"))["sentences"]) == 3
        embedded = embedded_settings(archive.read(f"{stem}.wav"), tmp_path / "joined.wav")
        assert embedded == json.loads(archive.read("long_text.json"))  # the wav says what its sidecar says
        assert len(embedded["sentences"]) == 3 and embedded["text"]
        first = embedded_settings(archive.read("sentences/001.wav"), tmp_path / "first.wav")
        assert first == embedded["sentences"][0]


def embedded_settings(wav_bytes: bytes, path) -> dict:
    path.write_bytes(wav_bytes)
    return read_settings(path)
