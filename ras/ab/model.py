"""Bradley–Terry strengths from pairwise votes, with a Gaussian posterior (Laplace approximation).

Each candidate i has a strength θ_i; a listener prefers i over j with probability σ(θ_i − θ_j).
A tie counts as half a win for each side. The prior is N(prior_mean_i, PRIOR_SD²): the automatic
score moves prior_mean a little, so it orders candidates before anyone listens and is outvoted
after a few votes. The posterior mode is found by Newton steps; its covariance is the inverse
Hessian there, which gives intervals and the probability that one candidate beats another.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

PRIOR_SD = 2.0  # strengths (log-odds) of takes people compare differ by a few units at most
AUTO_PRIOR_WEIGHT = 0.5  # a candidate one standard deviation above in auto score starts 0.5 higher
SETTLED_PROBABILITY = 0.9  # the stop rule: the leader beats every other with this posterior probability
INTERVAL_Z = 1.645  # 90 % intervals
CHOICE_OUTCOME = {"a": 1.0, "b": 0.0, "tie": 0.5}


@dataclass(frozen=True)
class Vote:
    first: int  # candidate index shown as A
    second: int  # candidate index shown as B
    outcome: float  # 1 when A won, 0 when B won, 0.5 for a tie


@dataclass(frozen=True)
class Posterior:
    mean: np.ndarray  # (n,) strengths
    cov: np.ndarray  # (n, n)

    @property
    def size(self) -> int:
        return len(self.mean)

    def sd(self) -> np.ndarray:
        return np.sqrt(np.clip(np.diag(self.cov), 0.0, None))

    def intervals(self) -> tuple[np.ndarray, np.ndarray]:
        return self.mean - INTERVAL_Z * self.sd(), self.mean + INTERVAL_Z * self.sd()

    def beat_probabilities(self) -> np.ndarray:
        """[i, j] = posterior probability that θ_i > θ_j."""
        diff = self.mean[:, None] - self.mean[None, :]
        var = np.diag(self.cov)[:, None] + np.diag(self.cov)[None, :] - 2 * self.cov
        z = diff / np.sqrt(np.clip(var, 1e-12, None))
        return 0.5 * (1 + _erf(z / math.sqrt(2)))

    def leader(self) -> int:
        return int(np.argmax(self.mean))

    def unbeaten_by(self, candidate: int, threshold: float = SETTLED_PROBABILITY) -> list[int]:
        """The other candidates `candidate` does not beat with the stop rule's probability, strongest first."""
        beats = self.beat_probabilities()[candidate]
        return [int(j) for j in np.argsort(-self.mean) if j != candidate and beats[j] < threshold]

    def settled_best(self, threshold: float = SETTLED_PROBABILITY) -> int | None:
        """The leader when it beats every other candidate with ≥ threshold probability, else None."""
        if self.size < 2:
            return 0 if self.size == 1 else None
        leader = self.leader()
        beats = np.delete(self.beat_probabilities()[leader], leader)
        return leader if bool(np.all(beats >= threshold)) else None


_erf = np.vectorize(math.erf, otypes=[float])


def auto_prior(auto_scores: Sequence[float | None]) -> np.ndarray:
    """Prior means from automatic scores: standardised, scaled by AUTO_PRIOR_WEIGHT; unknown scores sit at 0."""
    known = np.array([s for s in auto_scores if s is not None], dtype=float)
    if len(known) < 2 or known.std() == 0:
        return np.zeros(len(auto_scores))
    mean, sd = known.mean(), known.std()
    return np.array([0.0 if s is None else AUTO_PRIOR_WEIGHT * (s - mean) / sd for s in auto_scores])


def fit(n: int, votes: Sequence[Vote], prior_mean: np.ndarray | None = None, *, prior_sd: float = PRIOR_SD,
        start: np.ndarray | None = None, steps: int = 30) -> Posterior:
    """Posterior over n strengths given the votes (Newton's method on the log posterior)."""
    prior_mean = np.zeros(n) if prior_mean is None else np.asarray(prior_mean, dtype=float)
    theta = prior_mean.copy() if start is None else np.asarray(start, dtype=float).copy()
    first = np.array([v.first for v in votes], dtype=int)
    second = np.array([v.second for v in votes], dtype=int)
    outcome = np.array([v.outcome for v in votes], dtype=float)
    precision = 1.0 / prior_sd ** 2
    hessian = np.eye(n) * precision
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(theta[first] - theta[second])))
        residual, weight = outcome - p, p * (1 - p)
        gradient = -(theta - prior_mean) * precision
        np.add.at(gradient, first, residual)
        np.add.at(gradient, second, -residual)
        hessian = np.eye(n) * precision
        np.add.at(hessian, (first, first), weight)
        np.add.at(hessian, (second, second), weight)
        np.add.at(hessian, (first, second), -weight)
        np.add.at(hessian, (second, first), -weight)
        step = np.linalg.solve(hessian, gradient)
        theta = theta + step
        if float(np.max(np.abs(step))) < 1e-6:
            break
    return Posterior(mean=theta, cov=np.linalg.inv(hessian))


def spearman(a: Sequence[float], b: Sequence[float]) -> float | None:
    """Rank correlation (ties share their average rank); None when either side has no spread."""
    if len(a) < 2:
        return None
    ra, rb = _average_ranks(a), _average_ranks(b)
    ra, rb = ra - ra.mean(), rb - rb.mean()
    denominator = math.sqrt(float((ra ** 2).sum() * (rb ** 2).sum()))
    return round(float((ra * rb).sum()) / denominator, 3) if denominator else None


def _average_ranks(values: Sequence[float]) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    positions = np.argsort(np.argsort(values, kind="stable")).astype(float)
    ranks = np.empty(len(values))
    for value in np.unique(values):
        tied = values == value
        ranks[tied] = positions[tied].mean()
    return ranks
