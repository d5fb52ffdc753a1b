"""The supervised queue on the tiny real GPT-SoVITS: faults end in a finished task or a
clear failure, and no finished result is lost or run twice."""
from __future__ import annotations

import os
import signal

import pytest
from sqlmodel import select

from gsv_integration.local_engine import LocalEngine
from ras.analysis.analyzer import Analyzer
from ras.library import importer, roles, texts
from ras.queue import jobs, tasks
from ras.queue.runner import Runner
from ras.store.role_tables import Job
from ras.store.workspace import Workspace
from tests.fixtures.app import wait_for
from tests.fixtures.gsv import WORKER_TEST_CONFIG, make_ref_wav

pytestmark = [pytest.mark.gsv]
HANG, SLOW = "HANGMARKER", "SLOWMARKER"


@pytest.fixture(scope="module")
def setup(tmp_path_factory, tiny_gsv, gsv_worker_env):
    work = tmp_path_factory.mktemp("runner")
    ws = Workspace(work / "roles")
    role = roles.create_role(ws=ws, category="队列", name="测试")
    make_ref_wav(work / "ref.wav", "A calm reference voice reads this line for the queue test.", speed=130)
    (work / "r.list").write_text(f"{work / 'ref.wav'}|s|en|A calm reference voice reads this line for the queue test.")
    importer.import_list(ws=ws, role=role, list_path=work / "r.list")
    env = {**gsv_worker_env, "RAS_WORKER_TEST_HANG_MARKER": HANG, "RAS_WORKER_TEST_SLOW_MARKER": SLOW}
    engine = LocalEngine(tiny_gsv.root, tiny_gsv.python, worker_config=WORKER_TEST_CONFIG, env_extra=env,
                         stall_timeout=4.0)
    analyzer = Analyzer(ws, metrics=False)  # spectrograms only: metrics have their own tests
    runner = Runner(ws, lambda: [engine], job_timeout=60, on_result=analyzer.submit)
    yield ws, role, runner, engine, tiny_gsv
    runner.shutdown()
    analyzer.shutdown()
    ws.close()


def make_task(ws, role, tiny_gsv, sentences, **base) -> int:
    text_ids = [texts.add_text(ws=ws, content=s, lang="en") for s in sentences]
    spec = {"name": "t", "clip_ids": [1], "text_ids": text_ids,
            "base": {"gpt": str(tiny_gsv.gpt[0]), "sovits": str(tiny_gsv.sovits[0]), "seed": 1, **base}}
    # paths as given: a weight file that breaks after the task was made must fail in the queue
    return tasks.create_task(ws=ws, role=role, spec=spec, resolve_weight=lambda kind, value: value).task_id


def finished(runner, role, task_id, timeout=240):
    try:
        return wait_for(lambda: (s := runner.status(role, task_id)).queued == 0 and s.running == 0
                        and s.state == "idle" and s, timeout=timeout, what=f"task {task_id} to finish")
    except TimeoutError as exc:
        raise TimeoutError(f"{exc}: {runner.status(role, task_id)}\n{runner.log_tail()}") from None


def jobs_of(ws, role, task_id) -> list[Job]:
    with ws.role_session(role) as session:
        return list(session.exec(select(Job).where(Job.task_id == task_id).order_by(Job.id)).all())


def test_a_killed_worker_is_restarted_and_its_job_retried(setup):
    ws, role, runner, engine, tiny = setup
    task_id = make_task(ws, role, tiny, ["First line.", f"The worker dies here {SLOW}", "Third line."])
    # the SLOW job never ends by itself: kill the worker while it runs, as a crash would
    runner.run_task(role, task_id)
    wait_for(lambda: any(j.status == "running" and SLOW in j.text for j in jobs_of(ws, role, task_id)),
             timeout=120, what="the doomed job to start")
    os.kill(engine.pid, signal.SIGKILL)
    status = finished(runner, role, task_id)
    rows = jobs_of(ws, role, task_id)
    assert status.done == 2 and status.failed == 1
    doomed = next(j for j in rows if SLOW in j.text)
    assert doomed.attempts == 2 and "Engine" in doomed.error  # retried once, then failed with the reason
    assert all((ws.role_dir(role) / j.result_path).is_file() for j in rows if j.status == "done")
    # the progress view's analysis count catches up with the results once their spectrograms exist
    wait_for(lambda: runner.status(role, task_id).analysed == 2, timeout=120, what="both results analysed")
    assert all((ws.role_dir(role) / j.spectrogram_path).is_file() for j in jobs_of(ws, role, task_id)
               if j.status == "done")


def test_a_failure_outside_the_engine_fails_the_job_instead_of_leaving_it_running(setup, monkeypatch):
    ws, role, runner, engine, tiny = setup
    real_finish = jobs.finish

    # (a full disk is not such a failure: the task waits for space, see tests/e2e/test_disk_full.py)
    def folder_turns_read_only(session, job, *args, **kwargs):
        if "READONLY" in job.text:
            raise PermissionError(13, "Permission denied")
        return real_finish(session, job, *args, **kwargs)

    monkeypatch.setattr(jobs, "finish", folder_turns_read_only)
    task_id = make_task(ws, role, tiny, ["The folder turns read-only here READONLY.", "This one lands."])
    runner.run_task(role, task_id)
    status = finished(runner, role, task_id)
    failed = next(j for j in jobs_of(ws, role, task_id) if "READONLY" in j.text)
    assert status.done == 1 and status.failed == 1
    assert failed.status == "failed" and "Permission denied" in failed.error


def test_a_silent_hang_is_killed_and_the_other_jobs_finish(setup):
    ws, role, runner, engine, tiny = setup
    task_id = make_task(ws, role, tiny, [f"This hangs {HANG}", "After the hang."])
    runner.run_task(role, task_id)
    status = finished(runner, role, task_id)
    rows = jobs_of(ws, role, task_id)
    hung = next(j for j in rows if HANG in j.text)
    assert status.done == 1 and hung.status == "failed" and "EngineHung" in hung.error


def test_bad_weights_and_missing_reference_fail_with_clear_reasons(setup, tmp_path):
    ws, role, runner, engine, tiny = setup
    corrupt = tmp_path / "corrupt.pth"
    corrupt.write_bytes(b"this is not a model")
    task_id = make_task(ws, role, tiny, ["Bad weights line."], sovits=str(corrupt))
    runner.run_task(role, task_id)
    assert finished(runner, role, task_id).failed == 1
    failed = jobs_of(ws, role, task_id)[0]
    assert "corrupt.pth" in failed.error and failed.attempts == 1  # an input error is not retried

    ref = ws.role_dir(role) / "audio"
    moved = {p: p.with_suffix(".moved") for p in ref.glob("*.wav")}
    for src, dst in moved.items():
        src.rename(dst)
    try:
        task_id = make_task(ws, role, tiny, ["Missing reference line."])
        runner.run_task(role, task_id)
        assert finished(runner, role, task_id).failed == 1
        assert ".wav" in jobs_of(ws, role, task_id)[0].error
    finally:
        for src, dst in moved.items():
            dst.rename(src)


def test_cancel_stops_after_the_running_job(setup):
    ws, role, runner, engine, tiny = setup
    task_id = make_task(ws, role, tiny, [f"Line {i} of many." for i in range(8)])
    runner.run_task(role, task_id)
    wait_for(lambda: runner.status(role, task_id).done >= 1, timeout=120, what="a first result")
    assert runner.cancel_task(role, task_id).status == "cancelled"
    status = finished(runner, role, task_id)
    assert status.cancelled >= 1 and status.done + status.cancelled == 8 and status.failed == 0
    # re-running picks the cancelled jobs up again
    assert tasks.requeue_failed(ws=ws, role=role, task_id=task_id) == status.cancelled
    runner.run_task(role, task_id)
    assert finished(runner, role, task_id).done == 8
    assert 0 < jobs.typical_job_seconds(ws, role) < 60  # what the task tab's estimate uses after a restart
