"""The autopilot's gate and best-take choice: pure functions of stored metrics and settings."""
from __future__ import annotations

import pytest

from ras.gate import (
    Gate,
    Reason,
    Take,
    best_take,
    checked_max_tries,
    passes,
    rate_range,
    read_reason,
    reasons,
    with_cer_floors,
)

CLEAN = Take(1, True, 92.0, (), 2.6)


def test_a_clean_take_passes_and_each_failed_condition_is_named():
    gate = Gate()
    normal = (2.0, 3.0)
    assert passes(CLEAN, gate, normal)
    assert reasons(Take(2, True, 55.0, ("repeat", "too_slow"), 2.5), gate, normal) == [
        "flag:repeat", "auto_score:55.0<60"]
    assert reasons(Take(3, True, 90.0, (), 3.9), gate, normal) == ["chars_per_second:3.90>3.00"]
    assert reasons(Take(4, True, 90.0, (), 1.2), gate, normal) == ["chars_per_second:1.20<2.00"]
    assert reasons(Take(5, True, 90.0, (), 2.5, cer=0.5), gate, normal) == ["cer:0.50>0.25"]
    assert reasons(Take(6, False), gate, normal) == ["not_analysed"]
    # a soft flag alone (a little breath) does not fail the gate when the score holds
    assert passes(Take(7, True, 80.0, ("breath",), 2.5), gate, normal)


@pytest.mark.parametrize("take, read", [
    (Take(2, True, 55.0, ("repeat",), 2.5),
     [Reason("flag", flag="repeat"), Reason("auto_score", value=55.0, bound=60)]),
    (Take(3, True, 90.0, (), 3.9), [Reason("chars_per_second", value=3.9, bound=3.0, above=True)]),
    (Take(4, True, 90.0, (), 1.2), [Reason("chars_per_second", value=1.2, bound=2.0)]),
    (Take(5, True, None, (), 2.5), [Reason("auto_score", value=None, bound=60)]),
    (Take(6, False), [Reason("not_analysed")]),
    (Take(7, False, analysis_failed=True), [Reason("analysis_failed")]),
])
def test_each_reason_code_reads_back_as_what_failed_the_value_and_the_bound(take, read):
    # the page words a reason from what is read back: a code it cannot read would be shown raw
    assert [read_reason(code) for code in reasons(take, Gate(), (2.0, 3.0))] == read


def test_the_normal_rate_is_the_configurations_own_median_once_enough_takes_are_known():
    gate = Gate(rate_tolerance=0.2, min_rate_takes=3)
    def at(*rates):
        return [Take(i, True, 90.0, (), rate) for i, rate in enumerate(rates)]

    assert rate_range(at(2.0, 2.5), gate) is None
    low, high = rate_range(at(2.0, 2.5, 3.0, None, 9.0), gate)
    assert (round(low, 3), round(high, 3)) == (2.2, 3.3)  # the outlier 9.0 does not move the median far


def test_failed_takes_do_not_drag_the_normal_rate_away_from_the_clean_ones():
    gate = Gate(rate_tolerance=0.2, min_rate_takes=3)
    clean = [Take(i, True, 90.0, (), 3.0) for i in range(3)]
    slow = [Take(10 + i, True, 50.0, (flag,), 1.2)
            for i, flag in enumerate(("repeat", "long_pause", "text_leak", "repeat"))]
    normal = rate_range(clean + slow, gate)
    assert normal is not None and passes(clean[0], gate, normal)
    # too few clean takes to know the configuration's pace: no range yet
    assert rate_range(clean[:2] + slow, gate) is None
    # without a normal range only flags, score and CER decide
    assert passes(Take(1, True, 90.0, (), 9.0), gate, None)


def test_the_best_take_passes_first_then_has_the_fewest_hard_flags():
    gate = Gate(min_auto_score=70)
    takes = [Take(1, True, 95.0, ("long_pause",), 2.5), Take(2, True, 75.0, (), 2.5), Take(3, True, 88.0, (), 2.6)]
    assert best_take(takes, gate, None).take_id == 3
    failing = [Take(1, True, 65.0, ("repeat", "held_tone"), 2.5), Take(2, True, 40.0, ("long_pause",), 2.5),
               Take(3, True, 50.0, (), 2.5)]
    assert best_take(failing, gate, None).take_id == 3  # none passes: no hard flag beats a higher score
    assert best_take([], gate, None) is None


def test_a_mishearing_every_take_shares_does_not_fail_them_all_but_a_leak_beside_them_does():
    gate = Gate()  # max_cer 0.25
    # the ASR hears "and we wanna read" for "everyone agreed" in every clean take
    first = Take(1, True, 98.0, (), 2.6, cer=0.30)
    assert reasons(with_cer_floors([first])[0], gate, None) == ["cer:0.30>0.25"]  # alone it is re-rolled
    floored = with_cer_floors([first, Take(2, True, 97.0, (), 2.5, cer=0.30), Take(3, True, 60.5, (), 1.4, cer=1.19)])
    assert [passes(t, gate, None) for t in floored] == [True, True, False]
    assert reasons(floored[2], gate, None) == ["cer:1.19>0.40"]
    assert best_take(floored, gate, None).take_id == 1


def test_options_are_checked_and_name_the_bad_value():
    assert Gate.from_options({"max_tries": 4, "min_auto_score": 75}).min_auto_score == 75
    assert Gate.from_json(Gate(max_cer=0.1).to_json()) == Gate(max_cer=0.1)
    with pytest.raises(ValueError, match="min_auto_score"):
        Gate.from_options({"min_auto_score": 130})
    with pytest.raises(ValueError, match="unknown autopilot options"):
        Gate.from_options({"min_score": 50})
    with pytest.raises(ValueError, match="max_tries"):
        checked_max_tries(0)
    assert checked_max_tries(4.0) == 4
