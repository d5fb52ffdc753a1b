"""A long-text run is settled exactly when nothing more happens without a person. Takes land as the queue
and the analysis step leave them and the analysis listener is called by hand, so every moment between
two steps can be looked at, including the one a client once took for "finished": every sentence with a
chosen take, nothing queued or running, and re-rolls still to come."""
from __future__ import annotations

from ras.long_text import runs as long_text
from ras.long_text import status as run_views
from tests.fixtures.long_text import RecordingRunner, land, land_unanalysed, land_unmeasured, queued

TEXT = "The first sentence is here. The second one follows. And the third ends it."


def start(ws, role, result_id, max_tries):
    started = long_text.start_long_text(ws=ws, role=role, result_ids=[result_id], text=TEXT,
                                        options={"max_tries": max_tries, "min_auto_score": 70})
    return started, RecordingRunner(), queued(ws, role, started.task_id)


def status_of(ws, role, started):
    return run_views.run_status(ws=ws, role=role, run_id=started.run_id)


def test_a_failing_take_measured_but_not_yet_reviewed_is_a_reroll_to_come(setup):
    ws, role, _, result_id, _ = setup
    started, runner, (first, second, third) = start(ws, role, result_id, max_tries=3)
    assert not status_of(ws, role, started).settled  # all queued
    land(ws, role, first, 1.6)
    land(ws, role, second, 1.4, score=40, flags=("repeat",))
    land(ws, role, third, 1.8)
    # the metrics are stored; the analysis listener has not reviewed the part yet
    status = status_of(ws, role, started)
    assert (status.queued, status.running, status.awaiting_analysis) == (0, 0, 0)
    assert all(s.chosen_result_id for s in status.parts[0].sentences)
    assert status.rerolls_due == 1 and not status.settled
    for job_id in (first, second, third):
        long_text.after_analysis(ws, runner, role, job_id)
    (reroll,) = runner.added
    assert status_of(ws, role, started).queued == 1 and not status_of(ws, role, started).settled

    land_unmeasured(ws, role, reroll, 1.5)  # synthesized, its analysis still to come
    status = status_of(ws, role, started)
    assert status.awaiting_analysis == 1 and not status.settled
    land(ws, role, reroll, 1.5, score=95)  # measured and passing: only the review's joining is left
    status = status_of(ws, role, started)
    assert (status.rerolls_due, status.joins_due, status.settled) == (0, 1, False)
    long_text.after_analysis(ws, runner, role, reroll)
    status = status_of(ws, role, started)
    assert status.settled and status.parts[0].joined_audio and runner.added == [reroll]


def test_takes_whose_analysis_gave_up_settle_once_their_tries_are_spent(setup):
    ws, role, _, result_id, _ = setup
    started, runner, (first, second, third) = start(ws, role, result_id, max_tries=2)
    land(ws, role, first, 1.6)
    land_unanalysed(ws, role, second, 1.4)
    land(ws, role, third, 1.8)
    assert status_of(ws, role, started).rerolls_due == 1  # a take without metrics does not pass
    for job_id in (first, second, third):
        long_text.after_analysis(ws, runner, role, job_id)
    land_unanalysed(ws, role, runner.added[0], 1.5)
    long_text.after_analysis(ws, runner, role, runner.added[0])
    status = status_of(ws, role, started)
    assert status.settled and status.needs_listening == 1  # the rest is a person's to hear


def test_a_sentence_made_again_unsettles_the_run_until_its_joined_audio_follows(setup):
    ws, role, _, result_id, _ = setup
    started, runner, ids = start(ws, role, result_id, max_tries=3)
    for job_id in ids:
        land(ws, role, job_id, 1.5)
        long_text.after_analysis(ws, runner, role, job_id)
    assert status_of(ws, role, started).settled
    long_text.regenerate_sentence(ws=ws, runner=runner, role=role, run_id=started.run_id, index=1)
    assert not status_of(ws, role, started).settled
    land(ws, role, ids[1], 1.5)  # the same job, a new seed, measured; the joined audio still has the old take
    status = status_of(ws, role, started)
    assert (status.queued, status.awaiting_analysis, status.joins_due, status.settled) == (0, 0, 1, False)
    long_text.after_analysis(ws, runner, role, ids[1])
    assert status_of(ws, role, started).settled


def test_a_run_without_the_autopilot_settles_when_every_take_is_measured(setup):
    ws, role, _, result_id, _ = setup
    started, runner, ids = start(ws, role, result_id, max_tries=1)
    for job_id in ids:
        land_unmeasured(ws, role, job_id, 1.5)
        long_text.after_result(ws, role, job_id)  # joined as soon as every sentence is there
    status = status_of(ws, role, started)
    assert status.parts[0].joined_audio and status.awaiting_analysis == 3 and not status.settled
    for job_id in ids:
        land(ws, role, job_id, 1.5, score=30)  # failing takes, but nothing re-rolls them
        long_text.after_analysis(ws, runner, role, job_id)
    status = status_of(ws, role, started)
    assert status.settled and status.rerolls_due == 0 and runner.added == []
