"""Which two candidates to play next: the comparison that most sharpens the top of the ranking.

The stop rule asks whether the leader beats every other candidate, so the next pair is the
leader against its most threatening challenger (the one most likely to be better than it).
Pairs already asked are discounted, so a tie or a doubtful vote gets another hearing on
another text but the session does not loop. When the leader has been heard against a rival
on every text as often as allowed and the rival still stands a chance, nothing is left to
ask: the two are too close to tell apart by ear. Once the best is settled, a user who keeps
voting gets the pair whose vote is expected to shrink the posterior variance of a
difference the most, weighted by how likely either side is the best.
"""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ras.ab.model import SETTLED_PROBABILITY, Posterior

BEST_SAMPLES = 400  # posterior draws to estimate each candidate's chance of being the best
PLAUSIBLE_BEST = 0.01  # below this chance of being the best, a candidate is only a sparring partner


def best_probabilities(posterior: Posterior, *, seed: int = 0) -> np.ndarray:
    """Each candidate's posterior probability of having the highest strength (Monte Carlo)."""
    n = posterior.size
    rng = np.random.default_rng(seed)
    jitter = np.eye(n) * 1e-9
    draws = rng.multivariate_normal(posterior.mean, posterior.cov + jitter, size=BEST_SAMPLES, method="cholesky")
    return np.bincount(np.argmax(draws, axis=1), minlength=n) / BEST_SAMPLES


def _other(pair: tuple[int, int], one: int) -> int:
    return pair[0] if pair[1] == one else pair[1]


def choose_pair(posterior: Posterior, asked: dict[tuple[int, int], int], available: Iterable[tuple[int, int]],
                *, seed: int = 0, threshold: float = SETTLED_PROBABILITY) -> tuple[int, int] | None:
    """The most informative available pair (i < j), or None when none is available or none can change
    which candidate is best.

    `asked` counts the votes already given per pair (i < j); `available` lists the pairs that
    still have a fresh pair of takes to play; `threshold` is the stop rule's probability."""
    pairs = sorted({(min(i, j), max(i, j)) for i, j in available if i != j})
    if not pairs:
        return None
    leader = posterior.leader()
    beats = posterior.beat_probabilities()[leader]
    blocking = set(posterior.unbeaten_by(leader, threshold))
    with_leader = [pair for pair in pairs if leader in pair and (not blocking or _other(pair, leader) in blocking)]
    if with_leader:
        def threat(pair: tuple[int, int]) -> float:
            return (1 - beats[_other(pair, leader)]) / (1 + asked.get(pair, 0))

        return max(with_leader, key=lambda pair: (threat(pair), -pair[0], -pair[1]))
    if blocking:  # the leader and its rivals have been heard on every text: too close to tell apart
        return None
    # settled, and the leader has been heard against everyone: sharpen the rest of the top
    best = best_probabilities(posterior, seed=seed)
    relevant = best >= PLAUSIBLE_BEST
    relevant[leader] = True
    var, mean = np.diag(posterior.cov), posterior.mean

    def value(pair: tuple[int, int]) -> float:
        i, j = pair
        diff_var = max(var[i] + var[j] - 2 * posterior.cov[i, j], 1e-12)
        p = 1 / (1 + np.exp(-(mean[i] - mean[j])))
        gain = diff_var * diff_var * p * (1 - p) / (1 + diff_var * p * (1 - p))
        return (best[i] + best[j]) * gain / (1 + asked.get(pair, 0))

    worth = [pair for pair in pairs if relevant[pair[0]] or relevant[pair[1]]]
    if not worth:  # what is left cannot change which candidate is best
        return None
    return max(worth, key=lambda pair: (value(pair), -asked.get(pair, 0), -pair[0], -pair[1]))
