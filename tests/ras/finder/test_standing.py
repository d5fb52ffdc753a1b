"""The ranking a run shows agrees with its shortlist, and every row outside the shortlist says why."""
from __future__ import annotations

from dataclasses import replace

from ras.finder import rank, standing
from ras.finder.rank import Take
from ras.finder.standing import RoundRecord


def takes(clip_id, outcomes, *, score=90.0, first_seed=0):
    """outcomes: True = a clean take, False = a flagged one."""
    return [Take(clip_id, 1, first_seed + i, auto_score=score if ok else 30.0, flags=() if ok else ("repeat",))
            for i, ok in enumerate(outcomes)]


def final_rows(all_takes, last_round):
    return [replace(r, final_round=r.clip_id in last_round)
            for r in rank.rank(all_takes, list(dict.fromkeys(t.clip_id for t in all_takes)))]


def test_a_clip_dropped_on_a_tie_ranks_below_the_finalists_and_says_why():
    # round 1: three clips pass 4 of 4 (the same lower bound), the median auto score breaks the tie
    first = takes(1, [True] * 4, score=95) + takes(2, [True] * 4, score=94) + takes(3, [True] * 4, score=80) \
        + takes(4, [False] * 4)
    # round 2: the two that went on get 4 more takes; clip 1 fails one of them
    second = takes(1, [True, True, True, False], score=95, first_seed=4) + takes(2, [True] * 4, first_seed=4)
    rounds = [RoundRecord((1, 2, 3, 4), tuple(first)), RoundRecord((1, 2), tuple(first + second))]
    rows = final_rows(first + second, {1, 2})
    by_bound = [r.clip_id for r in rows]
    assert by_bound.index(3) < by_bound.index(1)  # 4 of 4 (59.6) is above 7 of 8 (58.9) by the bound alone

    shortlist = standing.shortlist_of(rows, 2)
    placed = standing.place(rows, rounds, shortlist, places=2, probing=False)
    assert shortlist == [2, 1] and [r.clip_id for r in placed] == [2, 1, 3, 4]
    why = {r.clip_id: r.standing for r in placed}
    assert why[1].code == "shortlisted" and why[1].values["place"] == 2
    assert why[3].code == "halved" and why[3].values == {"place": 3, "of": 3, "kept": 2, "round": 1, "takes": 4}
    assert why[4].code == "clearly_worse" and why[4].values["round"] == 1
    assert why[4].values["high"] < why[4].values["bar"]


def test_a_finalist_that_fails_too_often_or_finds_no_place_says_so():
    final = takes(1, [True] * 6) + takes(2, [True] * 5 + [False]) + takes(3, [True] * 3 + [False] * 3)
    rows = final_rows(final, {1, 2, 3})
    rounds = [RoundRecord((1, 2, 3), tuple(final))]
    placed = standing.place(rows, rounds, standing.shortlist_of(rows, 1), places=1, probing=False)
    why = {r.clip_id: r.standing for r in placed}
    assert [r.clip_id for r in placed] == [1, 2, 3]
    assert why[2].code == "beyond_places" and why[2].values == {"place": 2, "places": 1}
    assert why[3].code == "below_bar" and why[3].values["score"] == 50.0


def test_while_probing_the_clips_of_the_current_round_are_in_the_race():
    current = takes(1, [True] * 2) + takes(2, [True, False])
    rows = final_rows(current, {1, 2})
    placed = standing.place(rows, [RoundRecord((1, 2), tuple(current))], [1], places=1, probing=True)
    assert [(r.clip_id, r.standing.code) for r in placed] == [(1, "shortlisted"), (2, "in_race")]
