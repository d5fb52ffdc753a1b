"""Blind A/B: how many votes until the best is settled, adaptive pairs against random pairs.

    .venv/bin/python benchmarks/ab_listening.py [--sessions 200] [--sizes 8 16] [--spread 3] [--deciding-rounds 2]
                                                [--strict-probability 0.95]

Each simulated session has candidates with a hidden quality q ~ N(0, spread²) (log-odds units);
the listener prefers A over B with Davidson probabilities (Bradley–Terry with ties,
TIE_WEIGHT), and the automatic score is the hidden quality plus noise of AUTO_NOISE, so it
is only a weak hint. Both strategies use the same model, prior and stop rule (leader beats
every other with ≥ 90 % posterior probability) on the same sessions. Each candidate starts with
one take per text, and a pair is heard at most ASKS_PER_TAKE times per take of its scarcer side
and text. When the leader and its rivals have been heard on every take and are still too close to
call, the listener asks for a deciding round (as the tab's button does, up to --deciding-rounds
times): each too-close candidate gets DECIDING_TAKES_PER_TEXT more takes per text. A session
also ends when nothing is left to ask, or after MAX_VOTES_PER_CANDIDATE × candidates votes; it
then declares its current leader, and names it with every candidate it does not beat with
90 % probability as too close to call. Prints per size: mean votes to stop, how often the
declared best is the true best, the share of sessions that ended unsettled, the deciding takes
synthesized per session, how often the true best is the settled best or among
those named too close, and a hindsight ceiling (all 3 × n votes spent on the true top two). A
further row runs the adaptive strategy with a stricter stop rule (--strict-probability) to show
what more certainty costs in votes; the last line is the headline.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from ras.ab.model import SETTLED_PROBABILITY, Vote, auto_prior, fit
from ras.ab.pairs import choose_pair
from ras.ab.sessions import ASKS_PER_TAKE, DECIDING_TAKES_PER_TEXT

TIE_WEIGHT = 0.3  # Davidson's ν: how readily the listener answers "same"
AUTO_NOISE = 1.5  # standard deviation of the automatic score's error, in quality units
MAX_VOTES_PER_CANDIDATE = 10
TEXTS = 3  # texts every candidate speaks, one take each to begin with


def listener_vote(rng, q_first: float, q_second: float) -> float:
    a, b = np.exp(q_first), np.exp(q_second)
    tie = TIE_WEIGHT * np.sqrt(a * b)
    u = rng.random() * (a + b + tie)
    return 1.0 if u < a else (0.0 if u < a + b else 0.5)


def run_session(rng, quality: np.ndarray, auto: np.ndarray, adaptive: bool, deciding_rounds: int,
                threshold: float = SETTLED_PROBABILITY) -> tuple[int, bool, bool, bool, int]:
    n = len(quality)
    prior = auto_prior(list(auto))
    votes: list[Vote] = []
    asked: dict[tuple[int, int], int] = {}
    takes = np.ones(n, dtype=int)  # per text
    rounds = 0
    posterior = fit(n, votes, prior)
    every_pair = [(i, j) for i in range(n) for j in range(i + 1, n)]
    while posterior.settled_best(threshold) is None and len(votes) < MAX_VOTES_PER_CANDIDATE * n:
        available = [p for p in every_pair if asked.get(p, 0) < ASKS_PER_TAKE * TEXTS * min(takes[p[0]], takes[p[1]])]
        if adaptive:
            pair = choose_pair(posterior, asked, available, seed=len(votes), threshold=threshold)
        else:
            pair = available[rng.integers(len(available))] if available else None
        if pair is None and adaptive and rounds < deciding_rounds:
            leader = posterior.leader()
            takes[[leader, *posterior.unbeaten_by(leader, threshold)]] += DECIDING_TAKES_PER_TEXT
            rounds += 1
            continue
        if pair is None:
            break
        first, second = pair if rng.random() < 0.5 else pair[::-1]
        votes.append(Vote(first, second, listener_vote(rng, quality[first], quality[second])))
        key = (min(pair), max(pair))
        asked[key] = asked.get(key, 0) + 1
        posterior = fit(n, votes, prior, start=posterior.mean)
    settled = posterior.settled_best(threshold)
    declared = settled if settled is not None else posterior.leader()
    best = int(np.argmax(quality))
    # an unsettled session names the leader and every candidate it does not beat as too close to call
    named = {declared} if settled is not None else {declared, *posterior.unbeaten_by(declared, threshold)}
    return len(votes), declared == best, settled is None, best in named, int((takes - 1).sum()) * TEXTS


def session_candidates(seed: int, n: int, session: int, spread: float) -> tuple[np.ndarray, np.ndarray]:
    """One session's hidden qualities and automatic scores, from the session's own seed: every
    strategy (and the hindsight ceiling) meets the same candidates however many votes the others took."""
    world = np.random.default_rng([seed, n, session])
    quality = world.normal(0, spread, n)
    return quality, quality + world.normal(0, AUTO_NOISE, n)


def hindsight_ceiling(n: int, sessions: int, spread: float, seed: int) -> float:
    """How often a listener who knew which two candidates are the best and spent all 3 × n votes on
    them would name the better one (by majority, a draw split): what any pairing can reach at that
    many votes on these sessions, since the close sessions are decided between those two."""
    right = 0.0
    for session in range(sessions):
        quality, _auto = session_candidates(seed, n, session, spread)
        listener = np.random.default_rng([seed, n, session, 2])
        best, runner_up = np.argsort(quality)[::-1][:2]
        wins = sum(listener_vote(listener, quality[best], quality[runner_up]) for _ in range(3 * n))
        right += 1.0 if wins > 1.5 * n else 0.5 if wins == 1.5 * n else 0.0
    return right / sessions


def measure(n: int, sessions: int, spread: float, seed: int, deciding_rounds: int, strict: float) -> dict:
    rows = {}
    strategies = {"adaptive": (True, deciding_rounds, SETTLED_PROBABILITY),
                  "no deciding round": (True, 0, SETTLED_PROBABILITY), "random": (False, 0, SETTLED_PROBABILITY),
                  f"adaptive, {strict:.0%} rule": (True, deciding_rounds, strict)}
    for name, (adaptive, rounds, threshold) in strategies.items():
        votes, right, unsettled, named, extra = [], 0, 0, 0, 0
        started = time.perf_counter()
        for session in range(sessions):
            quality, auto = session_candidates(seed, n, session, spread)
            listener = np.random.default_rng([seed, n, session, 1])
            count, correct, ended_unsettled, best_named, new_takes = run_session(listener, quality, auto, adaptive,
                                                                                rounds, threshold)
            votes.append(count)
            right += correct
            unsettled += ended_unsettled
            named += best_named
            extra += new_takes
        rows[name] = {"votes": float(np.mean(votes)), "correct": right / sessions, "unsettled": unsettled / sessions,
                      "named": named / sessions, "takes": extra / sessions, "seconds": time.perf_counter() - started}
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--sizes", type=int, nargs="+", default=[8, 16])
    parser.add_argument("--spread", type=float, default=3.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--deciding-rounds", type=int, default=2,
                        help="deciding rounds the simulated listener asks for when candidates are too close")
    parser.add_argument("--strict-probability", type=float, default=0.95,
                        help="the stricter stop rule's probability for the row that shows what certainty costs")
    args = parser.parse_args()
    headline = []
    for n in args.sizes:
        rows = measure(n, args.sessions, args.spread, args.seed, args.deciding_rounds, args.strict_probability)
        for name, row in rows.items():
            print(f"{n:2d} candidates · {name:18s}: {row['votes']:6.1f} votes (≤ {3 * n} wanted) · "
                  f"declared best = true best {row['correct']:.1%} · ended unsettled {row['unsettled']:.1%} · "
                  f"{row['takes']:.1f} deciding takes · "
                  f"true best named (settled, or among the too-close) {row['named']:.1%} · "
                  f"{row['seconds']:.1f} s")
        ceiling = hindsight_ceiling(n, args.sessions, args.spread, args.seed)
        print(f"{n:2d} candidates · hindsight: {3 * n} votes all on the true top two name the best in {ceiling:.1%}")
        ratio = rows["random"]["votes"] / rows["adaptive"]["votes"]
        strict = rows[f"adaptive, {args.strict_probability:.0%} rule"]
        headline.append(f"{n}: {rows['adaptive']['votes']:.1f} votes/{rows['adaptive']['correct']:.0%} right "
                        f"with {rows['adaptive']['takes']:.1f} deciding takes (without: "
                        f"{rows['no deciding round']['votes']:.1f}/{rows['no deciding round']['correct']:.0%}; "
                        f"random {rows['random']['votes']:.1f}/{rows['random']['correct']:.0%}, ×{ratio:.2f} more; "
                        f"{args.strict_probability:.0%} rule {strict['votes']:.1f}/{strict['correct']:.0%}; "
                        f"hindsight ceiling {ceiling:.0%})")
    print(f"blind A/B, {args.sessions} sessions, quality spread {args.spread}: " + " · ".join(headline))


if __name__ == "__main__":
    main()
