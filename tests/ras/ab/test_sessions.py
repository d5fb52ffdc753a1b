"""Blind A/B: the Bradley–Terry model, the pair choice and sessions stored in a real role DB."""
from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from sqlalchemy import text

from ras.ab import sessions
from ras.ab.model import Vote, auto_prior, fit, spearman
from ras.ab.pairs import choose_pair
from ras.errors import Conflict, InputError, NotFound
from ras.queue import tasks
from ras.store.workspace import Workspace
from tests.fixtures.ab import finished_ab_task, tie_until_nothing_is_left, two_configuration_session


def test_repeated_wins_make_the_winner_settled_and_shrink_its_interval():
    few = fit(3, [Vote(0, 1, 1.0), Vote(0, 2, 1.0)])
    many = fit(3, [Vote(0, 1, 1.0), Vote(2, 0, 0.0)] * 6 + [Vote(1, 2, 1.0)] * 3)
    assert few.leader() == 0 and few.settled_best() is None  # two votes are not proof
    assert many.settled_best() == 0
    assert many.beat_probabilities()[0, 1] > 0.9 and many.beat_probabilities()[1, 0] < 0.1
    assert np.all(many.sd() < few.sd())
    low, high = many.intervals()
    assert many.mean[0] > many.mean[1] > many.mean[2]
    assert low[0] > many.mean[2] and high[2] < many.mean[0]  # each interval leaves out the other's strength


def test_ties_keep_candidates_level_and_sides_do_not_matter():
    tied = fit(2, [Vote(0, 1, 0.5)] * 8)
    assert abs(tied.mean[0] - tied.mean[1]) < 1e-9 and tied.settled_best() is None
    swapped = fit(2, [Vote(1, 0, 0.0)] * 4)  # B=0 won four times with 0 on side B
    straight = fit(2, [Vote(0, 1, 1.0)] * 4)
    assert np.allclose(swapped.mean, straight.mean)


def test_auto_scores_order_candidates_before_votes_and_are_outvoted():
    prior = auto_prior([90.0, 50.0, None, 70.0])
    assert prior[0] > prior[3] > prior[1] and prior[2] == 0
    assert fit(4, [], prior).leader() == 0
    overturned = fit(4, [Vote(1, 0, 1.0)] * 5, prior)
    assert overturned.mean[1] > overturned.mean[0]
    assert list(auto_prior([None, 3.0])) == [0.0, 0.0]  # one known score says nothing relative


def test_spearman_handles_ties_and_no_spread():
    assert spearman([1, 2, 3], [10, 20, 30]) == 1.0
    assert spearman([1, 2, 3], [3, 2, 1]) == -1.0
    assert spearman([1, 1, 2], [5, 5, 5]) is None


def test_pair_choice_sets_the_leader_against_its_closest_challenger():
    posterior = fit(4, [Vote(0, 2, 1.0), Vote(0, 3, 1.0), Vote(1, 2, 1.0), Vote(1, 3, 1.0)] * 2)
    every = [(i, j) for i in range(4) for j in range(i + 1, 4)]
    assert choose_pair(posterior, {}, every) == (0, 1)
    # the leader's rival can no longer be heard against it: nothing left can settle the best
    assert choose_pair(posterior, {}, [(2, 3), (1, 2), (1, 3)]) is None
    assert choose_pair(posterior, {}, []) is None


def test_after_the_best_is_settled_more_votes_still_test_the_leader():
    settled = fit(4, [Vote(0, 1, 1.0), Vote(0, 2, 1.0), Vote(0, 3, 1.0)] * 4 + [Vote(1, 2, 0.5), Vote(1, 3, 0.5)])
    assert settled.settled_best() == 0
    assert choose_pair(settled, {}, [(0, 1), (1, 2), (2, 3)]) == (0, 1)  # keep sharpening the leader first
    assert choose_pair(settled, {(0, 1): 5}, [(0, 1), (0, 2)]) == (0, 2)  # the less heard rival next


def test_a_stricter_stop_rule_keeps_asking_about_a_rival_the_usual_rule_calls_beaten():
    posterior = fit(3, [Vote(0, 1, 1.0)] * 3 + [Vote(0, 2, 1.0)] * 12 + [Vote(1, 2, 1.0)] * 12)
    assert 0.9 < posterior.beat_probabilities()[0, 1] < 0.95
    assert posterior.settled_best() == 0 and posterior.settled_best(0.95) is None
    assert posterior.unbeaten_by(0) == [] and posterior.unbeaten_by(0, 0.95) == [1]
    # with the leader heard against its rival on every take, only the usual rule has something left to ask
    assert choose_pair(posterior, {}, [(1, 2)]) == (1, 2)
    assert choose_pair(posterior, {}, [(1, 2)], threshold=0.95) is None


def test_pair_choice_discounts_pairs_already_asked():
    posterior = fit(3, [Vote(0, 1, 0.5), Vote(0, 2, 0.5)])  # three equals: any pair is as good
    first = choose_pair(posterior, {}, [(0, 1), (0, 2), (1, 2)])
    again = choose_pair(posterior, {first: 3}, [(0, 1), (0, 2), (1, 2)])
    assert again != first


@pytest.fixture
def finished_task(tmp_path):
    """6 configurations (3 top_k x 2 reference clips) x 2 texts, every job marked done with an auto score."""
    ws = Workspace(tmp_path / "roles")
    yield (ws, *finished_ab_task(ws, tmp_path))
    ws.close()


def config_of(ws, role, result_id) -> tuple[int, int]:
    from ras.results import get_result

    found = get_result(ws=ws, role=role, result_id=result_id)
    return found.param_set_id, found.clip_id


def listen(ws, role, session_id, hidden_rank: dict, limit: int) -> list[dict]:
    """A consistent listener: prefers the configuration ranked higher in `hidden_rank`."""
    played = []
    for _ in range(limit):
        pair = sessions.next_pair(ws=ws, role=role, session_id=session_id)
        if pair.decided or pair.pair_id is None:
            break
        a_id, b_id = (int(getattr(pair, side).rsplit("/", 1)[1].split(".")[0]) for side in ("a", "b"))
        a, b = hidden_rank[config_of(ws, role, a_id)], hidden_rank[config_of(ws, role, b_id)]
        sessions.vote(ws=ws, role=role, session_id=session_id, pair_id=pair.pair_id, choice="a" if a > b else "b")
        played.append(pair)
    return played


def test_a_session_settles_on_the_listeners_favourite_within_three_votes_per_candidate(finished_task):
    ws, role, task_id, _ = finished_task
    started = sessions.start_session(ws=ws, role=role, task_id=task_id)
    configs = [(c.param_set_id, c.clip_id) for c in started.candidates]
    assert len(configs) == 6 and all(c.votes == 0 for c in started.candidates)
    # the auto score favours the last jobs; the listener's favourite is another configuration
    favourite = configs[-1]
    hidden_rank = {config: (10 if config == favourite else i) for i, config in enumerate(sorted(configs))}
    played = listen(ws, role, started.session_id, hidden_rank, limit=60)
    ranked = sessions.ranking(ws=ws, role=role, session_id=started.session_id)
    assert ranked.decided and len(played) <= 3 * 6
    best = ranked.ranking[0]
    assert (best.param_set_id, best.clip_id) == favourite and ranked.best == best.candidate
    assert best.low < best.strength < best.high
    assert sum(r.votes for r in ranked.ranking) == 2 * len(played) == 2 * ranked.votes
    assert {p.text for p in played} == {"第0句测试文本", "第1句测试文本"}  # texts rotate
    per_pair_text = Counter((frozenset((p.a, p.b)), p.text) for p in played)
    assert max(per_pair_text.values()) <= sessions.ASKS_PER_TAKE


def test_a_session_survives_a_restart_resumes_its_open_pair_and_can_be_reset(finished_task, tmp_path):
    ws, role, task_id, text_ids = finished_task
    session_id = sessions.start_session(ws=ws, role=role, task_id=task_id, text_ids=text_ids[:1]).session_id
    first = sessions.next_pair(ws=ws, role=role, session_id=session_id)
    assert first.text == "第0句测试文本"
    assert sessions.vote(ws=ws, role=role, session_id=session_id, pair_id=first.pair_id,
                         choice="tie") == sessions.VoteCount(1)
    open_pair = sessions.next_pair(ws=ws, role=role, session_id=session_id)
    before = sessions.ranking(ws=ws, role=role, session_id=session_id)
    ws.close()

    reopened = Workspace(tmp_path / "roles")
    assert sessions.ranking(ws=reopened, role=role, session_id=session_id) == before
    assert sessions.next_pair(ws=reopened, role=role, session_id=session_id) == open_pair  # asked again, not lost
    listed = sessions.list_sessions(ws=reopened, role=role, task_id=task_id)[0]
    assert (listed.session_id, listed.task_id, listed.votes) == (session_id, task_id, 1)
    sessions.reset_session(ws=reopened, role=role, session_id=session_id)
    assert sessions.ranking(ws=reopened, role=role, session_id=session_id).votes == 0
    reopened.close()


def test_results_restrict_candidates_and_bad_input_is_named(finished_task):
    ws, role, task_id, _ = finished_task
    picked = [1, 5, 9]
    started = sessions.start_session(ws=ws, role=role, task_id=task_id, result_ids=picked)
    assert {(c.param_set_id, c.clip_id) for c in started.candidates} == {
        config_of(ws, role, r) for r in picked}
    assert len(started.candidates) == 3
    with pytest.raises(Conflict, match="fewer than two configurations"):
        sessions.start_session(ws=ws, role=role, task_id=task_id, result_ids=[1])
    pair = sessions.next_pair(ws=ws, role=role, session_id=started.session_id)
    with pytest.raises(InputError, match="'maybe' is not one of"):
        sessions.vote(ws=ws, role=role, session_id=started.session_id, pair_id=pair.pair_id, choice="maybe")
    other = sessions.start_session(ws=ws, role=role, task_id=task_id).session_id
    with pytest.raises(InputError, match="belongs to session"):
        sessions.vote(ws=ws, role=role, session_id=other, pair_id=pair.pair_id, choice="a")
    with pytest.raises(NotFound, match="A/B session 999 not found"):
        sessions.next_pair(ws=ws, role=role, session_id=999)
    winner = sessions.best_take(ws=ws, role=role, session_id=started.session_id,
                                candidate_id=started.candidates[0].candidate)
    assert config_of(ws, role, winner) == (started.candidates[0].param_set_id,
                                           started.candidates[0].clip_id)


def test_deleting_a_task_deletes_its_blind_tests(finished_task):
    ws, role, task_id, _ = finished_task
    session_id = sessions.start_session(ws=ws, role=role, task_id=task_id).session_id
    pair = sessions.next_pair(ws=ws, role=role, session_id=session_id)
    sessions.vote(ws=ws, role=role, session_id=session_id, pair_id=pair.pair_id, choice="a")
    tasks.delete_task(ws=ws, role=role, task_id=task_id)
    assert sessions.list_sessions(ws=ws, role=role) == []


def test_two_candidates_no_listener_can_tell_apart_end_as_too_close_to_call(finished_task):
    ws, role, task_id, _ = finished_task
    first_of = {}
    for result_id in range(1, 13):  # 6 configurations x 2 texts
        first_of.setdefault(config_of(ws, role, result_id), result_id)
    result_ids = list(first_of.values())[:2]  # two configurations, each with one take per text
    started = sessions.start_session(ws=ws, role=role, task_id=task_id, result_ids=result_ids)
    session_id = started.session_id
    asked = 0
    while (pair := sessions.next_pair(ws=ws, role=role, session_id=session_id)).pair_id is not None:
        sessions.vote(ws=ws, role=role, session_id=session_id, pair_id=pair.pair_id, choice="tie")
        asked += 1
        assert asked <= 2 * sessions.ASKS_PER_TAKE, "the pair should run out of fresh hearings"
    ranked = sessions.ranking(ws=ws, role=role, session_id=session_id)
    assert not ranked.decided and ranked.best is None and ranked.settled  # nothing on its way
    assert sorted(ranked.too_close) == sorted(c.candidate for c in started.candidates)
    assert ranked.too_close[0] == ranked.ranking[0].candidate  # the leader first


def test_the_page_view_shows_the_pair_and_ranking_a_separate_read_would(finished_task):
    ws, role, task_id, _ = finished_task
    session_id = two_configuration_session(ws, role, task_id).session_id
    for _ in range(2 * sessions.ASKS_PER_TAKE + 1):
        view = sessions.session_view(ws=ws, role=role, session_id=session_id)
        assert view.pair == sessions.next_pair(ws=ws, role=role, session_id=session_id)  # the pair it stored
        assert view.ranking == sessions.ranking(ws=ws, role=role, session_id=session_id)
        if view.pair.pair_id is None:
            break
        sessions.vote(ws=ws, role=role, session_id=session_id, pair_id=view.pair.pair_id, choice="tie")
    assert view.pair.pair_id is None and view.ranking.too_close  # it ran to the end


def test_a_decided_or_unfinished_session_is_not_called_too_close(finished_task):
    ws, role, task_id, _ = finished_task
    session_id = sessions.start_session(ws=ws, role=role, task_id=task_id).session_id
    assert sessions.ranking(ws=ws, role=role, session_id=session_id).too_close == []  # nothing heard yet
    pair = sessions.next_pair(ws=ws, role=role, session_id=session_id)
    sessions.vote(ws=ws, role=role, session_id=session_id, pair_id=pair.pair_id, choice="tie")
    assert sessions.ranking(ws=ws, role=role, session_id=session_id).too_close == []  # pairs left to ask


def test_a_deciding_round_gives_too_close_candidates_new_takes_to_compare(finished_task):
    ws, role, task_id, _ = finished_task
    started = two_configuration_session(ws, role, task_id)
    session_id = started.session_id
    with pytest.raises(Conflict, match="no candidates too close to call"):
        sessions.queue_deciding_takes(ws=ws, role=role, session_id=session_id)  # nothing heard yet
    first_round = tie_until_nothing_is_left(ws, role, session_id)
    assert len(first_round) == 2 * sessions.ASKS_PER_TAKE  # 2 texts, one take each

    queued = sessions.queue_deciding_takes(ws=ws, role=role, session_id=session_id)
    assert len(queued.job_ids) == 2 * 2 * sessions.DECIDING_TAKES_PER_TEXT  # 2 candidates x 2 texts
    again = sessions.queue_deciding_takes(ws=ws, role=role, session_id=session_id)
    assert again.job_ids == [] and again.takes_pending == len(queued.job_ids)  # a second press adds nothing
    ranked = sessions.ranking(ws=ws, role=role, session_id=session_id)
    assert ranked.takes_pending == 4 and not ranked.settled and not ranked.decided
    assert sessions.next_pair(ws=ws, role=role, session_id=session_id).pair_id is None  # nothing to play yet

    with ws.role_engine(role).begin() as conn:  # the runner synthesized them with their new seeds
        rows = conn.execute(text("SELECT param_set_id, clip_id, text, seed_override FROM job WHERE id IN ({})"
                                 .format(",".join(map(str, queued.job_ids))))).all()
        conn.execute(text("UPDATE job SET status='done', result_path='results/' || id || '.wav' WHERE status='queued'"))
    configs = {(c.param_set_id, c.clip_id) for c in started.candidates}
    assert {(r[0], r[1]) for r in rows} == configs and {r[2] for r in rows} == {"第0句测试文本", "第1句测试文本"}
    assert all(r[3] is not None for r in rows)  # a new seed, so a different take

    second_round = tie_until_nothing_is_left(ws, role, session_id)
    new_takes = {str(i) for i in queued.job_ids}
    heard = [{getattr(p, side).rsplit("/", 1)[1].split(".")[0] for side in ("a", "b")} for p in second_round]
    assert len(second_round) == len(first_round)  # two takes each now: twice as many hearings in all
    assert heard[0] <= new_takes  # the new takes are heard before the old ones are played again
    assert sessions.ranking(ws=ws, role=role, session_id=session_id).too_close  # ties stay too close


def test_a_long_text_task_gets_no_deciding_round_rows_that_would_read_as_sentences(finished_task):
    ws, role, task_id, _ = finished_task
    session_id = two_configuration_session(ws, role, task_id).session_id
    tie_until_nothing_is_left(ws, role, session_id)
    with ws.role_engine(role).begin() as conn:
        conn.execute(text("UPDATE task SET kind = 'long_text'"))
        jobs_before = conn.execute(text("SELECT COUNT(*) FROM job")).scalar()
    with pytest.raises(Conflict, match="long-text tab"):
        sessions.queue_deciding_takes(ws=ws, role=role, session_id=session_id)
    with ws.role_engine(role).begin() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM job")).scalar() == jobs_before


def test_a_session_started_before_analysis_gets_the_auto_scores_when_they_arrive(finished_task):
    ws, role, task_id, _ = finished_task
    with ws.role_engine(role).begin() as conn:
        conn.execute(text("UPDATE job SET auto_score = NULL"))  # the run just finished; nothing measured yet
    session_id = sessions.start_session(ws=ws, role=role, task_id=task_id).session_id
    before = sessions.ranking(ws=ws, role=role, session_id=session_id).ranking
    assert all(row.auto_score is None for row in before)
    with ws.role_engine(role).begin() as conn:  # the analysis caught up: job 7's configuration scores best
        conn.execute(text("UPDATE job SET auto_score = CASE WHEN id = 7 THEN 90 ELSE 40 END"))
    after = sessions.ranking(ws=ws, role=role, session_id=session_id).ranking
    config = config_of(ws, role, 7)
    leader = after[0]
    assert (leader.param_set_id, leader.clip_id) == config and leader.auto_score == 65.0  # (90 + 40) / 2
    assert leader.strength > after[1].strength  # the weak prior orders them before any vote
    assert all(row.auto_score == 40.0 for row in after[1:])


def state_of(ws, role, session_id) -> tuple:
    ranked = sessions.ranking(ws=ws, role=role, session_id=session_id)
    pair = sessions.next_pair(ws=ws, role=role, session_id=session_id)
    assert pair.settled == ranked.settled and pair.decided == ranked.decided  # both answers say the same
    return ranked.settled, ranked.takes_pending, ranked.takes_unanalysed


def test_a_session_is_settled_only_once_its_deciding_takes_are_synthesized_and_analysed(finished_task):
    ws, role, task_id, _ = finished_task
    session_id = two_configuration_session(ws, role, task_id).session_id
    assert state_of(ws, role, session_id) == (True, 0, 0)  # votes wait for a person: nothing else happens
    tie_until_nothing_is_left(ws, role, session_id)
    queued = sessions.queue_deciding_takes(ws=ws, role=role, session_id=session_id).job_ids
    assert state_of(ws, role, session_id) == (False, 4, 0)

    def stored(job_id: int, columns: str) -> None:
        with ws.role_engine(role).begin() as conn:
            conn.execute(text(f"UPDATE job SET {columns} WHERE id = {job_id}"))

    stored(queued[0], "status='running'")
    assert state_of(ws, role, session_id) == (False, 4, 0)
    for job_id in queued:  # synthesized: playable, but their analysis is still to come
        stored(job_id, "status='done', result_path='results/' || id || '.wav'")
    assert state_of(ws, role, session_id) == (False, 0, 4)
    for job_id in queued[:3]:
        stored(job_id, "spectrogram_path='results/' || id || '.png', auto_score=60")
    assert state_of(ws, role, session_id) == (False, 0, 1)
    stored(queued[3], "analysis_error='the analysis process stopped answering (twice)'")  # gave up: settled too
    assert state_of(ws, role, session_id) == (True, 0, 0)


def test_a_failed_deciding_take_does_not_keep_the_session_unsettled(finished_task):
    ws, role, task_id, _ = finished_task
    session_id = two_configuration_session(ws, role, task_id).session_id
    tie_until_nothing_is_left(ws, role, session_id)
    queued = sessions.queue_deciding_takes(ws=ws, role=role, session_id=session_id).job_ids
    with ws.role_engine(role).begin() as conn:
        conn.execute(text(f"UPDATE job SET status='failed' WHERE id IN ({','.join(map(str, queued))})"))
    assert state_of(ws, role, session_id) == (True, 0, 0)


class RecordingRunner:
    def __init__(self, active: bool):
        self.active, self.added = active, []

    def is_active(self, role: str, task_id: int) -> bool:
        return self.active

    def add_jobs(self, role: str, task_id: int, job_ids: list[int]) -> None:
        self.added.append(list(job_ids))


def test_asking_again_starts_a_deciding_round_left_queued(finished_task):
    ws, role, task_id, _ = finished_task
    session_id = two_configuration_session(ws, role, task_id).session_id
    tie_until_nothing_is_left(ws, role, session_id)
    runner = RecordingRunner(active=True)
    first = sessions.add_deciding_takes(ws=ws, runner=runner, role=role, session_id=session_id)
    assert first.queued == 4 and len(runner.added[0]) == 4
    again = sessions.add_deciding_takes(ws=ws, runner=runner, role=role, session_id=session_id)
    assert (again.queued, again.takes_pending, len(runner.added)) == (0, 4, 1)  # running: nothing to do
    runner.active = False  # the round's start failed (no engine): its takes sit queued
    sessions.add_deciding_takes(ws=ws, runner=runner, role=role, session_id=session_id)
    assert runner.added[1] == []  # the task is run again, which takes its queued rows
