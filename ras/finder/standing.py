"""Where each ranked reference stands against the run's shortlist, and the ranking's order (pure functions).

The search is successive halving: in a round every clip still in the race gets the same number of
takes, then the better half by the 90 % lower bound goes on (ras.finder.allocate). A clip dropped
early has fewer takes, and a lower bound over few takes is not comparable with one over many:
4 passed of 4 gives 59.6, 7 of 8 gives 58.9, though the finalist has twice the evidence and ranked
above the dropped clip when both had the same number of takes. So the shortlist is the final
round's best, and the ranking follows the search: the shortlist first, then the rest of the final
round, then the clips dropped after each earlier round (later rounds first), each group by its
lower bound. Every row that is not shortlisted says why, in its standing:
  shortlisted     place in the shortlist
  in_race         still being probed (the run has not stopped)
  below_bar       in the final round, but passes under MIN_SHORTLIST_SCORE % of its takes
  no_verdict      in the final round, but none of its takes has a verdict (e.g. every analysis failed)
  beyond_places   in the final round and good enough, but the shortlist's places were taken by better ones
  halved          dropped after a round: ranked in the lower half then
  clearly_worse   dropped after a round: its upper bound was under the shortlist's lower bounds then
  not_reached     still in the race after a round, but the budget ran out before its next takes
The dropped clips' places are re-computed from the takes each round had, as the search saw them.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from ras.finder import allocate, rank
from ras.finder.rank import RankRow, Take
from ras.finder.reasons import Reason

MIN_SHORTLIST_SCORE = 70.0  # a reference whose takes fail more than 30 % never enters the shortlist


@dataclass(frozen=True)
class RoundRecord:
    clips: tuple[int, ...]  # the clips probed in this round
    takes: tuple[Take, ...]  # the takes of this round and of every round before


def shortlist_of(rows: list[RankRow], size: int) -> list[int]:
    """The final round's best rows that pass often enough, best first (rows ranked best first)."""
    return _eligible(rows)[:size]


def _eligible(rows: list[RankRow]) -> list[int]:
    """Clips the shortlist may take, best first: in the final round, with takes, passing often enough."""
    good = [r for r in rows if r.final_round and r.takes and r.score is not None and r.score >= MIN_SHORTLIST_SCORE]
    return [r.clip_id for r in sorted(good, key=rank.sort_key)]


def _dropped_after(round_number: int, record: RoundRecord, places: int) -> dict[int, Reason]:
    """Why each clip of this round did not go on, as the search decided after it."""
    dropped: dict[int, Reason] = {}
    survivors = allocate.keep(rank.rank(list(record.takes), list(record.clips)), places, dropped)
    found = {clip_id: replace(reason, values={**reason.values, "round": round_number})
             for clip_id, reason in dropped.items()}
    for clip_id in survivors:
        found[clip_id] = Reason("not_reached", f"went on after round {round_number}, but the budget ran out first",
                                {"round": round_number})
    return found


def _final_standing(row: RankRow, shortlist: list[int], eligible: list[int], places: int, probing: bool) -> Reason:
    if row.clip_id in shortlist:
        return Reason("shortlisted", f"place {shortlist.index(row.clip_id) + 1}",
                      {"place": shortlist.index(row.clip_id) + 1})
    if probing:
        return Reason("in_race", "still being probed")
    if not row.takes:
        return Reason("no_verdict", "none of its takes has a verdict")
    if row.score is None or row.score < MIN_SHORTLIST_SCORE:
        return Reason("below_bar", f"passes {row.score:.0f} % of its takes (the shortlist takes "
                      f"{MIN_SHORTLIST_SCORE:.0f} % or more)", {"score": row.score, "bar": MIN_SHORTLIST_SCORE})
    place = eligible.index(row.clip_id) + 1 if row.clip_id in eligible else None
    return Reason("beyond_places", f"ranked {place} in the final round; the shortlist has {places} places",
                  {"place": place, "places": places})


def place(rows: list[RankRow], rounds: list[RoundRecord], shortlist: list[int], places: int,
          probing: bool) -> list[RankRow]:
    """The rows with their standing, in the ranking's order (see the module's note)."""
    last_round = {c: n for n, record in enumerate(rounds, start=1) for c in record.clips}
    final = len(rounds)
    eligible = _eligible(rows)
    dropped: dict[int, Reason] = {}
    for number in sorted({n for c, n in last_round.items() if n < final}):
        dropped.update({c: reason for c, reason in _dropped_after(number, rounds[number - 1], places).items()
                        if last_round.get(c) == number})
    placed = []
    for row in rows:
        if row.final_round or row.clip_id not in dropped:
            standing = _final_standing(row, shortlist, eligible, places, probing)
        else:
            standing = replace(dropped[row.clip_id], values={**dropped[row.clip_id].values, "takes": row.takes})
        placed.append(replace(row, standing=standing))
    return sorted(placed, key=lambda r: _order(r, shortlist, last_round))


def _order(row: RankRow, shortlist: list[int], last_round: dict[int, int]) -> tuple:
    if row.clip_id in shortlist:
        return (0, 0, shortlist.index(row.clip_id), ())
    if row.final_round:
        return (1, 0, 0, rank.sort_key(row))
    return (2, -last_round.get(row.clip_id, 0), 0, rank.sort_key(row))
