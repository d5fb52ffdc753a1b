"""A hung or crashing analysis process costs a result at most its time limit and one retry, never the run:
past the limit the process is killed with its group and replaced, and a result that fails twice is
stored as "analysis failed" with the reason, so nothing waits for it."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from ras import results
from ras.analysis import analysis_process
from ras.analysis.analysis_process import AnalysisHung, AnalysisLimits, AnalysisProcess
from ras.analysis.analyzer import Analyzer
from ras.child_process import ChargedClock
from ras.library import importer, roles, texts
from ras.queue import tasks
from ras.queue.runner import Runner
from ras.store.role_tables import Job
from ras.store.workspace import Workspace
from tests.fixtures import faulty_analysis
from tests.fixtures.app import wait_for, write_tone

TAKE_SECONDS = 3.0
# short limits, so a hang costs seconds here; the allowance covers the start of a process that only
# renders spectrograms (~1 s of CPU; its waits for a CPU do not count)
LIMITS = AnalysisLimits(base_seconds=3.0, per_audio_second=0.5, load_allowance=10.0)
START_SLACK = 60.0  # a replacement process's start and the rest of the results, on a machine shared with others


def gone(pid: int) -> bool:
    """The process no longer exists (killed and reaped)."""
    return not os.path.exists(f"/proc/{pid}")


@pytest.fixture
def done_takes(tmp_path):
    """A task of 12 finished takes (3-s wavs in the results folder) that nothing has analysed yet;
    name_of(job_id) may mark a take's file name for the faulty analysis process."""
    ws = Workspace(tmp_path / "roles")
    role = roles.create_role(ws=ws, category="分析", name="看门狗")
    write_tone(tmp_path / "ref.wav", 4.0)
    (tmp_path / "r.list").write_text(f"{tmp_path / 'ref.wav'}|s|en|A calm reference voice.\n", encoding="utf-8")
    importer.import_list(ws=ws, role=role, list_path=tmp_path / "r.list")
    text_id = texts.add_text(ws=ws, content="The lake is quiet today.", lang="en")
    task_id = tasks.create_task(ws=ws, role=role, spec={"clip_ids": [1], "text_ids": [text_id],
                                                        "vary": {"seed": list(range(1, 13))}}).task_id

    def land(name_of=lambda job_id: f"{job_id}.wav") -> list[int]:
        with ws.role_session(role) as session:
            ids = [j.id for j in session.query(Job).filter(Job.task_id == task_id).order_by(Job.id)]
        with ws.role_engine(role).begin() as conn:
            for job_id in ids:
                relpath = f"results/{task_id}/{name_of(job_id)}"
                write_tone(ws.role_dir(role) / relpath, TAKE_SECONDS, seed=job_id)
                conn.execute(text("UPDATE job SET status='done', result_path=:p, duration=:d WHERE id=:id"),
                             {"p": relpath, "d": TAKE_SECONDS, "id": job_id})
        return ids

    yield ws, role, task_id, land
    ws.close()


def settled(ws, role, task_id) -> tuple[int, int, int]:
    """(analysed, analysis failed, neither yet) over the task's finished results."""
    with ws.role_engine(role).connect() as conn:
        return tuple(conn.execute(text(
            "SELECT SUM(spectrogram_path != ''), SUM(analysis_error != ''), "
            "SUM(spectrogram_path = '' AND analysis_error = '') FROM job WHERE task_id=:t AND status='done'"),
            {"t": task_id}).one())


def test_stopping_every_analysis_process_mid_task_costs_its_time_limit_not_the_run(done_takes):
    ws, role, task_id, land = done_takes
    ids = land()
    analyzer = Analyzer(ws, metrics=False, processes=2, limits=LIMITS)
    stopped = []
    try:
        for future in [analyzer.submit(role, job_id) for job_id in ids[:2]]:
            future.result(timeout=120)  # both processes run (and most likely have answered once) by now
        stopped = [p.pid for p in analyzer.processes]
        for pid in stopped:  # what a deadlocked thread pool or a swapped-out machine looks like from outside
            os.kill(pid, signal.SIGSTOP)
        stopped_at = time.monotonic()
        for job_id in ids[2:]:
            analyzer.submit(role, job_id)
        # each stopped process costs its request's limit, then a new process (loading, so with the
        # allowance) takes over; nothing of it may wait longer
        bound = LIMITS.for_request(TAKE_SECONDS, first_use=True) + START_SLACK
        wait_for(lambda: settled(ws, role, task_id)[2] == 0, timeout=bound, what="every result to settle")
        took = time.monotonic() - stopped_at
        assert settled(ws, role, task_id) == (12, 0, 0)  # the retry on a fresh process analysed them all
        assert took >= LIMITS.for_request(TAKE_SECONDS, first_use=False) - 0.5  # the stopped ones were waited on
        assert all(gone(pid) for pid in stopped)
        assert all(p.pid not in stopped for p in analyzer.processes)
        assert analyzer.failed == 0
    finally:
        for pid in stopped:
            if not gone(pid):
                os.kill(pid, signal.SIGKILL)
        analyzer.shutdown()


def test_a_result_that_always_crashes_its_process_is_marked_failed_after_one_retry(done_takes, monkeypatch):
    ws, role, task_id, land = done_takes
    monkeypatch.setattr(analysis_process, "CHILD_MODULE", faulty_analysis.__name__)
    ids = land(lambda job_id: f"{job_id}_{faulty_analysis.CRASH_MARKER}.wav" if job_id == 5 else f"{job_id}.wav")
    analyzer = Analyzer(ws, metrics=False, processes=2, limits=LIMITS)
    try:
        for future in [analyzer.submit(role, job_id) for job_id in ids]:
            future.result(timeout=300)
        assert settled(ws, role, task_id) == (11, 1, 0)
        assert analyzer.failed == 1
        listed = {r.id: r for r in results.list_results(ws=ws, role=role, task_id=task_id).results}
        reason = listed[5].analysis_error
        assert "stopped while analysing" in reason and "failed twice" in reason
        assert listed[5].spectrogram is None and listed[5].metrics == {}
        assert not list((ws.role_dir(role) / "results").rglob("*partial*"))  # its half-written picture is removed
        assert all(r.analysis_error is None and r.spectrogram for i, r in listed.items() if i != 5)
        # the progress line counts it: done, analysed, and the one analysis gave up on
        status = Runner(ws, lambda: []).status(role, task_id)
        assert (status.done, status.analysed, status.analysis_failed) == (12, 11, 1)
        assert status.settled  # nothing more will come by itself
        # a restart does not try it a third time: it is settled, not pending
        assert analyzer.submit_pending(role) == 0
    finally:
        analyzer.shutdown()


def test_a_request_that_never_answers_is_given_up_after_two_limits(done_takes, monkeypatch):
    ws, role, task_id, land = done_takes
    monkeypatch.setattr(analysis_process, "CHILD_MODULE", faulty_analysis.__name__)
    ids = land(lambda job_id: f"{job_id}_{faulty_analysis.HANG_MARKER}.wav" if job_id == 1 else f"{job_id}.wav")
    analyzer = Analyzer(ws, metrics=False, processes=1, limits=LIMITS)
    try:
        analyzer.submit(role, ids[1]).result(timeout=120)  # the process has loaded and answered once
        first_pid = analyzer.processes[0].pid
        started = time.monotonic()
        analyzer.submit(role, ids[0]).result(timeout=300)
        took = time.monotonic() - started
        # the first try has the plain limit; the retry runs on a new process, so with the loading allowance
        plain, loading = (LIMITS.for_request(TAKE_SECONDS, first_use=first) for first in (False, True))
        assert plain + loading <= took <= plain + loading + START_SLACK
        error = results.get_result(ws=ws, role=role, result_id=ids[0]).analysis_error
        assert "no answer within" in error and "failed twice" in error
        assert gone(first_pid)
        for future in [analyzer.submit(role, job_id) for job_id in ids[2:]]:
            future.result(timeout=120)
        assert settled(ws, role, task_id) == (11, 1, 0)
    finally:
        analyzer.shutdown()


def test_a_stopped_process_is_replaced_and_the_next_request_is_answered(tmp_path):
    process = AnalysisProcess({"sv_model": "", "asr_model": "", "gsv_root": "", "asr_device": "cpu",
                               "metrics": False}, LIMITS)
    wav = write_tone(tmp_path / "take.wav", TAKE_SECONDS)
    request = {"wav": str(wav), "text": "x", "text_lang": "en", "ref": "", "metrics": False, "weights": None}
    try:
        process.analyze(request, TAKE_SECONDS)
        pid = process.pid
        os.kill(pid, signal.SIGSTOP)
        started = time.monotonic()
        with pytest.raises(AnalysisHung, match="no answer within 4 s"):
            process.analyze(request, TAKE_SECONDS)
        assert time.monotonic() - started < LIMITS.for_request(TAKE_SECONDS, first_use=False) + 5
        assert gone(pid)
        assert process.analyze(request, TAKE_SECONDS)["png"] and process.pid != pid
    finally:
        process.close()


HOG = "import time\nprint('busy', flush=True)\nend = time.monotonic() + {seconds}\nwhile time.monotonic() < end: pass\n"


@pytest.mark.skipif(not os.path.exists("/proc/self/schedstat") or not hasattr(os, "SCHED_IDLE"),
                    reason="Linux tells the wait for a CPU apart")
def test_time_spent_waiting_for_a_cpu_does_not_count_against_the_limit():
    """An analysis process at the lowest priority beside busy cores is slow, not hung."""
    # the low-priority loop is running before it is lowered, so no start-up reading from disk is timed
    starved = subprocess.Popen([sys.executable, "-c", HOG.format(seconds=8)], stdout=subprocess.PIPE, text=True)
    hogs = []
    try:
        assert starved.stdout.readline() == "busy\n"
        os.sched_setscheduler(starved.pid, os.SCHED_IDLE, os.sched_param(0))
        hogs = [subprocess.Popen([sys.executable, "-c", HOG.format(seconds=6)], stdout=subprocess.PIPE, text=True)
                for _ in range((os.cpu_count() or 1) + 1)]
        assert all(hog.stdout.readline() == "busy\n" for hog in hogs)  # every core is busy now
        on_cpu_seconds = lambda: float(Path(f"/proc/{starved.pid}/schedstat").read_text().split()[0]) / 1e9  # noqa: E731
        # each reading of the clock is bracketed by readings of the CPU time, so a pause of this test
        # process between two readings (a loaded machine) widens the bounds instead of failing them
        before_clock = on_cpu_seconds()
        clock = ChargedClock(starved.pid)
        after_clock = on_cpu_seconds()
        time.sleep(3.0)
        before_reading = on_cpu_seconds()
        charged = clock.charged()
        after_reading = on_cpu_seconds()
    finally:
        for proc in [starved, *hogs]:
            proc.kill()
            proc.wait()
    # a loop that never sleeps is either on a CPU or waiting for one: only the first is charged
    assert before_reading - after_clock - 0.3 < charged < after_reading - before_clock + 0.3
    assert charged < 1.5  # of 3 s: the busy cores left it (almost) nothing
