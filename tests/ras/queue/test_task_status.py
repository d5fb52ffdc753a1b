"""A task's status from its rows: settled only once every take is synthesized and analysed (or its analysis
gave up) and nothing the analysis step triggers is still to come; takes added later are counted."""
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, text

from ras.queue.runner import Runner
from ras.queue.task_status import eta_from_pace
from ras.queue.tasks import queued_job_row
from ras.store.role_tables import Job
from ras.store.workspace import Workspace
from tests.fixtures.done_task import done_task


def test_settled_needs_every_result_analysed_and_nothing_in_the_analysis_step(tmp_path):
    ws = Workspace(tmp_path / "roles")
    finished = done_task(ws, tmp_path, analysed=False)
    held: set[int] = set()
    runner = Runner(ws, lambda: [], in_analysis=lambda role: held)
    waiting = runner.status(finished.role, finished.task_id)
    assert (waiting.done, waiting.analysed, waiting.settled, waiting.pending_analysis) == (6, 0, False, 6)
    with ws.role_engine(finished.role).begin() as conn:
        conn.execute(text("UPDATE job SET spectrogram_path='x.png' WHERE id != :last"), {"last": finished.job_ids[-1]})
        conn.execute(text("UPDATE job SET analysis_error='no answer within 60 s (failed twice)' WHERE id = :last"),
                     {"last": finished.job_ids[-1]})
    held.add(finished.job_ids[-1])  # stored, but what follows its analysis (a re-roll) has not run yet
    assert not runner.status(finished.role, finished.task_id).settled
    held.clear()
    done = runner.status(finished.role, finished.task_id)
    assert done.settled and (done.analysed, done.analysis_failed) == (5, 1)
    ws.close()


def test_a_take_added_to_a_finished_task_unsettles_it_and_is_counted(tmp_path):
    ws = Workspace(tmp_path / "roles")
    finished = done_task(ws, tmp_path)
    runner = Runner(ws, lambda: [])
    assert runner.status(finished.role, finished.task_id).added_takes == 0
    with ws.role_session(finished.role) as session:  # a blind test's deciding take: one more of an existing job
        model = session.get(Job, finished.job_ids[0])
        session.execute(insert(Job), [{**queued_job_row(task_id=finished.task_id, param_set_id=model.param_set_id,
                                                        clip_id=model.clip_id, text=model.text,
                                                        text_lang=model.text_lang), "seed_override": 7}])
        session.commit()
    grown = runner.status(finished.role, finished.task_id)
    assert (grown.total, grown.queued, grown.added_takes, grown.settled) == (7, 1, 1, False)
    ws.close()


def test_the_count_down_runs_from_the_last_result_and_stops_when_the_pace_no_longer_holds():
    now = datetime.now(UTC)
    assert eta_from_pace(4, 6.0, now - timedelta(seconds=4)) in (35, 36)  # 4 jobs at 10 s each, 4 s already gone
    assert eta_from_pace(4, 6.0, now - timedelta(seconds=25)) is None  # 2.5 x the usual gap: something is slower now
    assert eta_from_pace(0, 6.0, now) is None and eta_from_pace(3, None, now) is None
