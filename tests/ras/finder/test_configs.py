"""Configuration candidates: weight pairs and settings raced with the reference finder's halving and ranking."""
from __future__ import annotations

import random

from ras.finder import configs
from ras.finder.rank import Take

GPT = [f"voice-e{e}.ckpt" for e in (5, 10, 15, 20, 30, 50)]
SOVITS = [f"voice_e{e}_s{e * 25}.pth" for e in (4, 8, 16, 24)]


def test_every_text_is_read_with_every_reference_before_a_slot_repeats():
    slots = configs.slots([7, 8, 9], [1, 2, 3, 4, 5])
    assert len(slots) == 15 and len(set(slots)) == 15
    assert {s.reference for s in slots[:3]} == {7, 8, 9}  # the first takes already use every reference
    assert [s.text_id for s in slots[:5]] == [1, 2, 3, 4, 5]


def test_pairs_race_as_a_grid_or_as_the_plus_through_the_anchors():
    grid = configs.pair_candidates(GPT, SOVITS, "grid", ("", ""))
    assert len(grid) == 24 and grid[0].label == "GPT e5 x SoVITS e4"
    anchors = (configs.anchor(GPT), configs.anchor(SOVITS))
    plus = configs.pair_candidates(GPT, SOVITS, "axes", anchors)
    assert anchors == ("voice-e20.ckpt", SOVITS[2])  # the middle of each axis
    assert len(plus) == 6 + 3 and all(c.params["gpt"] == anchors[0] or c.params["sovits"] == anchors[1] for c in plus)
    assert configs.pair_shape(6, 4, budget=126) == "grid" and configs.pair_shape(6, 4, budget=60) == "axes"


def test_settings_candidates_are_every_combination_of_the_listed_values():
    found = configs.settings_candidates({"temperature": [0.8, 1.0], "top_k": [5, 15, 30]})
    assert len(found) == 6 and found[0].params == {"top_k": 5, "temperature": 0.8}
    assert found[0].label == "top_k=5 temperature=0.8"


def takes_for(index: int, fails: int, total: int, flag: str = "repeat", similarity: float = 0.9) -> list[Take]:
    return [Take(index, k % 5, 1 + k // 5, auto_score=40.0 if k < fails else 85.0,
                 flags=(flag,) if k < fails else (), speaker_similarity=similarity) for k in range(total)]


def test_rows_rank_by_the_lower_bound_and_carry_each_failure_kind_and_the_epochs():
    candidates = configs.pair_candidates(GPT[:2], SOVITS[:2], "grid", ("", ""))
    takes = takes_for(0, 0, 12, similarity=0.55) + takes_for(1, 1, 12) + takes_for(2, 4, 12, "long_pause") \
        + takes_for(3, 0, 3)
    rows = configs.rank_candidates(takes, candidates)
    assert [r.candidate.label for r in rows][0] == "GPT e5 x SoVITS e8"  # 11/12, no drift
    drifted = next(r for r in rows if r.index == 0)
    assert any(reason.code == "voice_drift" for reason in drifted.why)
    worst_pauses = next(r for r in rows if r.index == 2)
    assert worst_pauses.failure_rates["long_pause"] == round(4 / 12, 3)
    assert worst_pauses.epochs == {"gpt": 10, "sovits": 4}
    stored = worst_pauses.stored()
    assert "clip_id" not in stored and stored["candidate"]["label"] == "GPT e10 x SoVITS e4"
    assert configs.CandidateRow.read(stored) == worst_pauses  # a finished run's rows read back
    chart = configs.failure_by_epoch(rows)
    assert [p.epoch for p in chart["gpt"]] == [5, 10] and [p.epoch for p in chart["sovits"]] == [4, 8]


def test_a_search_drops_a_failing_candidate_and_spends_the_rest_on_the_finalists():
    candidates = configs.settings_candidates({"top_k": [5, 15, 30, 50], "temperature": [0.8, 1.3]})
    bad = {c for c, cand in enumerate(candidates) if cand.params["temperature"] == 1.3}
    rng, takes, taken, race, number = random.Random(3), [], {}, list(range(len(candidates))), 1
    budget, final = 80, configs.final_takes(5)
    while True:
        plan = configs.plan_config_round(candidates=candidates, takes=takes, race=race, taken=taken, slot_count=5,
                                         budget_left=budget - sum(taken.values()), finalists=3, round_number=number,
                                         final_takes=final)
        if not plan.probes:
            break
        for probe in plan.probes:
            failed = probe.clip_id in bad and rng.random() < 0.6
            takes.append(Take(probe.clip_id, probe.text_id, probe.seed, auto_score=40.0 if failed else 85.0,
                              flags=("repeat",) if failed else ()))
            taken[probe.clip_id] = taken.get(probe.clip_id, 0) + 1
        race, number = sorted({p.clip_id for p in plan.probes}), number + 1
    assert sum(taken.values()) <= budget
    assert not set(race) & bad  # the finalists are all at temperature 0.8
    assert min(taken[c] for c in race) > max(taken[c] for c in bad)


def test_weight_loads_count_gpt_and_sovits_files_per_engine():
    assert configs.weight_loads([[("g1", "s1"), ("g1", "s1"), ("g2", "s1"), ("g2", "s2")]]) == 4
    assert configs.weight_loads([[("g1", "s1")], [("g1", "s1")]]) == 4


def test_an_axes_search_crosses_each_axis_leaders_after_its_first_round():
    anchors = (configs.anchor(GPT), configs.anchor(SOVITS))  # e20, e16
    plus = configs.pair_candidates(GPT, SOVITS, "axes", anchors)
    good = {i for i, c in enumerate(plus)
            if c.params["gpt"] in ("voice-e15.ckpt", "voice-e10.ckpt") and c.params["sovits"] == anchors[1]
            or c.params["gpt"] == anchors[0] and c.params["sovits"] in (SOVITS[1], SOVITS[3])}
    takes = [t for i in range(len(plus)) for t in takes_for(i, 0 if i in good else 3, 4)]
    plan = configs.plan_config_round(candidates=plus, takes=takes, race=list(range(len(plus))),
                                     taken={i: 4 for i in range(len(plus))}, slot_count=5, budget_left=60,
                                     finalists=3, round_number=2, final_takes=15, cross_anchors=anchors)
    assert sorted(c.label for c in plan.added) == ["GPT e10 x SoVITS e24", "GPT e10 x SoVITS e8",
                                                   "GPT e15 x SoVITS e24", "GPT e15 x SoVITS e8"]
    probed = {p.clip_id for p in plan.probes}
    assert set(range(len(plus), len(plus) + 4)) <= probed  # the new pairs race from this round on
