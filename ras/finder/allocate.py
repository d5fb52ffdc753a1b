"""Where the next probe takes go: successive halving within a job budget (a pure function).

Each round gives every surviving candidate the same number of new takes; after the round
the survivors are ranked (ras.finder.rank) and
  - a candidate whose upper bound is below the shortlist's k-th best lower bound is dropped
    ("clearly worse": more takes would not bring it into the shortlist);
  - of the rest, the better half (never fewer than the shortlist size) goes on.
A clip with no takes yet (e.g. forced back in after screening) always gets a round.
The round's takes are the budget left spread over the rounds still expected
(ceil(log2(survivors / shortlist)) + 1), at least one take per survivor.
A clip's k-th take reads probe text k mod T with seed k div T, so the first takes cover
every text once before a second seed is tried.

Stop rule: the search stops when the survivors fit the shortlist and each has at least
MIN_FINAL_TAKES takes, when the budget is spent, or when no survivor has an untried
(text, seed) pair left.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from ras.finder.rank import RankRow, sort_key
from ras.finder.reasons import Reason

SEEDS = (1, 2, 3, 4)  # fixed seeds: a take is reproducible and a resumed run plans the same jobs
MIN_FINAL_TAKES = 6
GRID_SEEDS = 3  # the full grid the budget is compared with: every clip x text x 3 seeds
DEFAULT_BUDGET_SHARE = 0.35
# why a search stopped: code -> the line a run stores (the API's stop_reason); "confirmed" is confirmed_line's
STOP_LINES = {"no_texts": "no probe texts", "budget_spent": "budget spent", "no_candidates": "no candidate left",
              "pairs_tried": "every (text, seed) pair of the survivors was tried"}
# the confirmed line carries its number of takes (a configuration run's differs from a reference run's)
_CONFIRMED = re.compile(r"the shortlist has (\d+)\+ takes each")


@dataclass(frozen=True)
class Probe:
    clip_id: int
    text_id: int
    seed: int


@dataclass
class RoundPlan:
    probes: list[Probe] = field(default_factory=list)
    survivors: list[int] = field(default_factory=list)
    dropped: dict[int, Reason] = field(default_factory=dict)  # clip id -> why it gets no more takes
    stop_reason: str = ""  # set when nothing more is probed: a line of STOP_LINES


def stop_reason_of(line: str) -> Reason | None:
    """A stored stop line as a reason with its code (None for no line; code "other" for an unknown one)."""
    if not line:
        return None
    confirmed = _CONFIRMED.fullmatch(line)
    if confirmed:
        return Reason("confirmed", line, {"takes": int(confirmed.group(1))})
    code = next((c for c, known in STOP_LINES.items() if known == line), "other")
    return Reason(code, line, {})


def confirmed_line(takes: int) -> str:
    """The stop line of a search whose shortlist has `takes` takes each."""
    return f"the shortlist has {takes}+ takes each"


def full_grid_jobs(candidates: int, texts: int) -> int:
    return candidates * texts * GRID_SEEDS


def default_budget(candidates: int, texts: int, shortlist: int) -> int:
    """About one take per candidate per halving round plus a confirming round, at most 35 % of the grid."""
    if candidates <= 0 or texts <= 0:
        return 0
    rounds = max(1, math.ceil(math.log2(max(candidates / max(shortlist, 1), 1.0)))) + 1
    by_rounds = candidates * (rounds + 1) + shortlist * MIN_FINAL_TAKES
    return max(min(by_rounds, math.ceil(DEFAULT_BUDGET_SHARE * full_grid_jobs(candidates, texts))),
               min(candidates, full_grid_jobs(candidates, texts)))


def take_pair(k: int, text_ids: list[int]) -> tuple[int, int] | None:
    """The k-th take of a clip: (text id, seed), or None past the last seed."""
    seed_index, text_index = divmod(k, len(text_ids))
    return (text_ids[text_index], SEEDS[seed_index]) if seed_index < len(SEEDS) else None


def keep(ranking: list[RankRow], shortlist: int, dropped: dict[int, Reason]) -> list[int]:
    """The clips that go on after a round, fresh ones first; `dropped` gets why each other one stops."""
    fresh = [r.clip_id for r in ranking if r.takes == 0]
    rated = sorted((r for r in ranking if r.takes > 0), key=sort_key)
    if len(rated) > shortlist:
        bar = rated[shortlist - 1].low
        for row in rated[shortlist:]:
            if row.high < bar:
                dropped[row.clip_id] = Reason("clearly_worse", f"at most {row.high:.0f} while the shortlist has "
                                              f"{bar:.0f}", {"high": row.high, "bar": bar, "places": shortlist})
        rated = [r for r in rated if r.clip_id not in dropped]
    keep_count = max(shortlist, math.ceil(len(rated) / 2))
    for place, row in enumerate(rated[keep_count:], start=keep_count + 1):
        dropped[row.clip_id] = Reason("halved", f"ranked {place} of {len(rated)}",
                                      {"place": place, "of": len(rated), "kept": keep_count})
    return fresh + [r.clip_id for r in rated[:keep_count]]  # fresh first: a tight budget still reaches them


def plan_round(*, ranking: list[RankRow], text_ids: list[int], taken: dict[int, int], budget_left: int,
               shortlist: int, first_round: bool, final_takes: int = MIN_FINAL_TAKES) -> RoundPlan:
    """The next round's probes.

    ranking: rank rows of the candidates still in the race (after the previous round);
    taken: clip id -> probe jobs already made for it (its next take index);
    final_takes: the takes each of the shortlist gets before the search stops.
    """
    plan = RoundPlan()
    if not text_ids:
        plan.stop_reason = STOP_LINES["no_texts"]
        return plan
    survivors = [r.clip_id for r in sorted(ranking, key=sort_key)] if first_round \
        else keep(ranking, shortlist, plan.dropped)
    plan.survivors = survivors
    if budget_left <= 0:
        plan.stop_reason = STOP_LINES["budget_spent"]
        return plan
    if not survivors:
        plan.stop_reason = STOP_LINES["no_candidates"]
        return plan
    if len(survivors) <= shortlist and all(taken.get(c, 0) >= final_takes for c in survivors):
        plan.stop_reason = confirmed_line(final_takes)
        return plan
    rounds_left = math.ceil(math.log2(max(len(survivors) / max(shortlist, 1), 1.0))) + 1
    per_clip = max(1, (budget_left // rounds_left) // len(survivors))
    if len(survivors) <= shortlist:  # the confirming round: bring each up to the final count, as far as
        # the budget left goes for every one of them (not all of it to the first in line)
        wanted = final_takes - min(taken.get(c, 0) for c in survivors)
        per_clip = max(per_clip, min(wanted, max(1, budget_left // len(survivors))))
    for clip_id in survivors:
        for k in range(taken.get(clip_id, 0), taken.get(clip_id, 0) + per_clip):
            pair = take_pair(k, text_ids)
            if pair is None or len(plan.probes) >= budget_left:
                break
            plan.probes.append(Probe(clip_id, *pair))
    if not plan.probes:
        plan.stop_reason = STOP_LINES["pairs_tried"]
    return plan
