"""Ranking by a lower confidence bound and successive halving, on take outcomes without audio."""
from __future__ import annotations

import random

from ras.finder import allocate, rank
from ras.finder.rank import Take


def takes_for(clip_id, outcomes, text_id=1, cps=3.0):
    """outcomes: True = a clean take, False = a flagged one."""
    return [Take(clip_id, text_id, seed, auto_score=90.0 if ok else 30.0, flags=() if ok else ("repeat",),
                 chars_per_second=cps) for seed, ok in enumerate(outcomes)]


def test_one_lucky_take_does_not_beat_eight_good_ones():
    rows = rank.rank(takes_for(1, [True]) + takes_for(2, [True] * 7 + [False]), [1, 2])
    assert [r.clip_id for r in rows] == [2, 1]
    lucky = next(r for r in rows if r.clip_id == 1)
    assert lucky.score == 100.0 and lucky.low < 35 and lucky.takes == 1
    assert any(reason.startswith("few_takes") for reason in lucky.reasons)


def test_failures_are_counted_with_their_kind_and_interval():
    row = rank.rank_clip(5, takes_for(5, [True, False, False, True]) + [Take(5, 2, 9, failed_job=True)])
    assert (row.takes, row.failed_takes, row.score) == (5, 3, 40.0)
    assert row.low < row.score < row.high
    assert row.reasons[0] == "failures: 3/5 (repeat 2, job_failed 1)"
    assert row.why[0].values == {"failed": 3, "takes": 5, "kinds": {"repeat": 2, "job_failed": 1}}


def test_unstable_pace_across_seeds_and_voice_drift_lower_the_bound():
    steady = [Take(1, 1, s, auto_score=90.0, chars_per_second=3.0, speaker_similarity=0.9) for s in range(4)]
    wobbly = [Take(2, 1, s, auto_score=90.0, chars_per_second=c, speaker_similarity=0.6)
              for s, c in enumerate((2.0, 3.0, 4.0, 3.0))]
    rows = rank.rank(steady + wobbly, [1, 2])
    assert [r.clip_id for r in rows] == [1, 2]
    codes = [reason.split(":")[0] for reason in rows[1].reasons]
    assert "unstable_duration" in codes and "voice_drift" in codes


def test_a_flag_most_takes_of_a_text_share_fails_no_reference_but_a_rarer_one_does():
    # text 1 is misheard in most takes with every reference: that says nothing about a reference
    misheard = [Take(c, 1, s, auto_score=66.0, flags=("wrong_words",)) for c in (1, 2, 3) for s in (1, 2)]
    heard = [Take(c, 1, 3, auto_score=95.0) for c in (1, 2)]
    clean = [Take(c, 2, s, auto_score=95.0) for c in (1, 2) for s in (1, 2)]
    looping = [Take(3, 2, s, auto_score=40.0, flags=("repeat", "wrong_words")) for s in (1, 2)]
    rows = {r.clip_id: r for r in rank.rank(misheard + heard + clean + looping, [1, 2, 3])}
    assert rows[1].failed_takes == rows[2].failed_takes == 0
    assert rows[3].failed_takes == 2 and rows[3].reasons[0] == "failures: 2/4 (repeat 2)"
    assert any(r.startswith("shared_flags: wrong_words 2") for r in rows[1].reasons)
    # one reference alone cannot tell its own failures from the text's
    alone = rank.rank([Take(1, 1, s, auto_score=66.0, flags=("wrong_words",)) for s in (1, 2, 3)], [1])
    assert alone[0].failed_takes == 3


def test_takes_without_a_verdict_yet_are_not_counted():
    row = rank.rank_clip(1, [Take(1, 1, 1), Take(1, 1, 2, auto_score=80.0)])
    assert row.takes == 1


def test_the_kth_take_covers_every_text_before_a_new_seed():
    pairs = [allocate.take_pair(k, [7, 8]) for k in range(9)]
    assert pairs[:4] == [(7, 1), (8, 1), (7, 2), (8, 2)]
    assert pairs[8] is None  # past the last seed


def simulate(fail_rates: dict[int, float], texts: int, budget: int | None, shortlist: int = 5, seed: int = 0):
    """Run the allocator against clips whose takes fail at known rates; returns (jobs used, shortlist)."""
    rng = random.Random(seed)
    text_ids = list(range(1, texts + 1))
    budget = budget or allocate.default_budget(len(fail_rates), texts, shortlist)
    takes: list[Take] = []
    taken: dict[int, int] = {}
    race, first = list(fail_rates), True
    while True:
        plan = allocate.plan_round(ranking=rank.rank(takes, race), text_ids=text_ids, taken=taken,
                                   budget_left=budget - sum(taken.values()), shortlist=shortlist, first_round=first)
        if not plan.probes:
            break
        first = False
        for probe in plan.probes:
            ok = rng.random() >= fail_rates[probe.clip_id]
            takes.append(Take(probe.clip_id, probe.text_id, probe.seed, auto_score=90.0 if ok else 20.0,
                              flags=() if ok else ("long_pause",)))
            taken[probe.clip_id] = taken.get(probe.clip_id, 0) + 1
        race = list(dict.fromkeys(p.clip_id for p in plan.probes))
    rows = [r for r in rank.rank(takes, race) if r.score >= 70][:shortlist]
    return sum(taken.values()), [r.clip_id for r in rows], budget


def test_halving_finds_only_good_references_with_under_40_percent_of_the_grid():
    fail_rates = {i: 0.05 for i in range(12)} | {i: 0.6 for i in range(12, 30)}
    for seed in range(5):
        used, shortlist, budget = simulate(fail_rates, texts=4, budget=None, seed=seed)
        assert used <= budget <= 0.4 * allocate.full_grid_jobs(30, 4)
        assert len(shortlist) == 5 and all(fail_rates[c] < 0.1 for c in shortlist), (seed, shortlist)


def test_the_budget_is_never_exceeded():
    used, _, budget = simulate({i: 0.2 for i in range(20)}, texts=4, budget=25)
    assert used <= 25 == budget


def test_a_take_speech_recognition_heard_swallowing_words_counts_as_failed():
    from ras.finder.rank import Take as ProbeTake

    assert ProbeTake(1, 1, 1, auto_score=80.0, flags=("swallowed",)).failure() == "swallowed"
    assert ProbeTake(1, 1, 1, auto_score=80.0, flags=("extra_words",)).failure() == "extra_words"
    assert ProbeTake(1, 1, 1, auto_score=80.0).failure() is None
