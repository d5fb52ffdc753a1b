"""Configuration candidates for the finder: GPT x SoVITS weight pairs or sampling settings (pure functions).

The reference finder races clips; a configuration run races candidates, each a set of
parameters (weights, or top_k / top_p / temperature / speed with the weights fixed), heard
through one to three reference clips so that no candidate wins for one clip's sake. The
race itself is the reference finder's: successive halving within a job budget
(ras.finder.allocate) and rows ranked by the lower confidence bound of the pass rate
(ras.finder.rank); a candidate's index stands where a reference's clip id stands there.

Weight pairs are searched in one of two shapes, whichever the budget allows:
  grid  every GPT x SoVITS pair races from the first round;
  axes  each axis with the other held at an anchor (the pairs of a "plus"), then, after the
        first round, a small cross of each axis's leaders joins the race, so that a GPT
        that shines with another SoVITS still meets it.
A candidate's k-th take uses slot k mod S (a probe text and a reference, every text with every
reference before a second seed) and seed k div S.
"""
from __future__ import annotations

import itertools
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace

from ras.finder import allocate
from ras.finder import rank as ranking
from ras.finder.rank import RankRow
from ras.finder.reasons import Reason, read_reasons, stored_reasons
from ras.queue.scheduler import EngineState, JobKey

MODES = ("checkpoints", "settings")
SETTINGS = ("top_k", "top_p", "temperature", "speed")
MAX_REFERENCES = 3
MAX_CANDIDATES = 64
DEFAULT_FINALISTS = 3
GRID_MIN_TAKES = 4  # the grid shape when the budget gives every pair this many takes, else the axes
CROSS_LEADERS = 2  # leaders per axis crossed after the first round of an axes search
# What a user fears, and the take flags (ras.metrics.scoring, ASR) that show it.
FAILURE_KINDS = {
    "repeat": ("repeat", "held_tone"),
    "swallowed": ("swallowed", "truncated", "no_speech"),
    "wrong_words": ("wrong_words", "extra_words", "text_leak"),
    "long_pause": ("long_pause",),
    "noise": ("noise", "noisy_background", "low_quality", "clipped"),
    "voice_drift": ("voice_drift",),
}
_EPOCH = {"gpt": re.compile(r"-e(\d+)\.ckpt$"), "sovits": re.compile(r"_e(\d+)(?:_s\d+)?\.pth$")}


@dataclass(frozen=True)
class Candidate:
    label: str
    params: dict  # what this candidate sets over the run's base parameters

    def as_json(self) -> dict:
        return {"label": self.label, "params": dict(self.params)}


@dataclass(frozen=True)
class CandidateRow:
    """A candidate's standing: a reference finder row (pass rate, interval, reasons) with the candidate in
    place of the clip id, the failure rate of each kind and the epochs of its weights."""

    candidate: Candidate
    index: int  # the candidate's place in the run's list (a ranking row's clip id while racing)
    score: float | None
    low: float
    high: float
    takes: int
    failed_takes: int
    median_auto_score: float | None
    speaker_similarity: float | None
    rate_spread: float | None
    failure_rates: dict[str, float]
    epochs: dict[str, int | None]  # None: no epoch in the weight's file name
    final_round: bool = False  # probed in the run's latest round
    why: tuple[Reason, ...] = field(default=(), metadata={"json": None})
    reasons: tuple[str, ...] = field(init=False)  # the API's "code: detail" lines of `why`

    def __post_init__(self):
        object.__setattr__(self, "reasons", tuple(str(r) for r in self.why))

    @classmethod
    def of(cls, row: RankRow, candidate: Candidate, failure_rates: dict[str, float]) -> CandidateRow:
        return cls(candidate, row.clip_id, row.score, row.low, row.high, row.takes, row.failed_takes,
                   row.median_auto_score, row.speaker_similarity, row.rate_spread, failure_rates,
                   {kind: epoch_of(kind, candidate.params[kind]) for kind in ("gpt", "sovits")
                    if candidate.params.get(kind)}, row.final_round, row.why)

    def stored(self) -> dict:
        return {"candidate": self.candidate.as_json(), "index": self.index, "score": self.score, "low": self.low,
                "high": self.high, "takes": self.takes, "failed_takes": self.failed_takes,
                "median_auto_score": self.median_auto_score, "speaker_similarity": self.speaker_similarity,
                "rate_spread": self.rate_spread, "failure_rates": dict(self.failure_rates),
                "epochs": dict(self.epochs), "final_round": self.final_round, **stored_reasons(self.why)}

    @classmethod
    def read(cls, row: dict) -> CandidateRow:
        return cls(Candidate(row["candidate"]["label"], row["candidate"]["params"]), int(row["index"]), row["score"],
                   row["low"], row["high"], row["takes"], row["failed_takes"], row.get("median_auto_score"),
                   row.get("speaker_similarity"), row.get("rate_spread"), dict(row.get("failure_rates") or {}),
                   dict(row.get("epochs") or {}),
                   bool(row.get("final_round")), read_reasons(row))

    def with_final_round(self, final_round: bool) -> CandidateRow:
        return replace(self, final_round=final_round)


@dataclass(frozen=True)
class Slot:
    reference: int  # clip id of the reference the take is made with
    text_id: int


@dataclass
class ConfigRound:
    probes: list[allocate.Probe] = field(default_factory=list)  # clip_id = candidate index, text_id = slot index
    survivors: list[int] = field(default_factory=list)
    added: list[Candidate] = field(default_factory=list)  # candidates that join the race from this round on
    stop_reason: str = ""


def epoch_of(kind: str, weight: str) -> int | None:
    """The training epoch in a GPT-SoVITS weight file's name (voice-e15.ckpt, voice_e8_s200.pth)."""
    found = _EPOCH[kind].search(str(weight))
    return int(found.group(1)) if found else None


def weight_label(kind: str, weight: str) -> str:
    epoch = epoch_of(kind, weight)
    return f"e{epoch}" if epoch is not None else re.split(r"[\\/]", str(weight))[-1]


def pair_candidate(gpt: str, sovits: str) -> Candidate:
    return Candidate(f"GPT {weight_label('gpt', gpt)} x SoVITS {weight_label('sovits', sovits)}",
                     {"gpt": gpt, "sovits": sovits})


def anchor(weights: list[str]) -> str:
    """The weight an axes search holds one axis at: the middle of the list (training saves epochs in
    order; the first epochs are often under-trained, the last over-trained, the default ones between)."""
    return weights[len(weights) // 2]


def pair_shape(n_gpt: int, n_sovits: int, budget: int) -> str:
    return "grid" if budget >= n_gpt * n_sovits * GRID_MIN_TAKES else "axes"


def pair_candidates(gpt: list[str], sovits: list[str], shape: str, anchors: tuple[str, str]) -> list[Candidate]:
    """The first round's weight pairs: the whole grid, or the plus through the anchors."""
    if shape == "grid":
        return [pair_candidate(g, s) for g, s in itertools.product(gpt, sovits)]
    gpt_anchor, sovits_anchor = anchors
    pairs = [(g, sovits_anchor) for g in gpt] + [(gpt_anchor, s) for s in sovits if s != sovits_anchor]
    return [pair_candidate(g, s) for g, s in pairs]


def settings_candidates(vary: dict[str, list]) -> list[Candidate]:
    """Every combination of the listed sampling settings (top_k x temperature, ...)."""
    names = [name for name in SETTINGS if vary.get(name)]
    combos = itertools.product(*(vary[name] for name in names))
    return [Candidate(" ".join(f"{n}={v}" for n, v in zip(names, values)), dict(zip(names, values)))
            for values in combos]


def slots(reference_ids: list[int], text_ids: list[int]) -> list[Slot]:
    """Every (reference, text) once, each pass over the texts shifting which reference reads which."""
    count = len(reference_ids)
    return [Slot(reference_ids[(t + shift) % count], text_id)
            for shift in range(count) for t, text_id in enumerate(text_ids)]


def final_takes(texts: int) -> int:
    return texts * allocate.GRID_SEEDS


def full_grid_jobs(candidates: int, texts: int) -> int:
    """A grid's jobs at the same takes per candidate: every probe text x allocate.GRID_SEEDS seeds."""
    return allocate.full_grid_jobs(candidates, texts)


def default_budget(candidates: int, texts: int, finalists: int) -> int:
    return allocate.default_budget(candidates, texts, finalists)


def leaders_cross(candidates: list[Candidate], rows: list[RankRow], anchors: tuple[str, str],
                  size: int = CROSS_LEADERS) -> list[Candidate]:
    """Pairs of the best GPTs (measured at the SoVITS anchor) x the best SoVITS (at the GPT anchor) not yet racing."""
    gpt_anchor, sovits_anchor = anchors
    order = [candidates[r.clip_id].params for r in sorted(rows, key=ranking.sort_key) if r.takes]
    best_gpt = [p["gpt"] for p in order if p["sovits"] == sovits_anchor][:size]
    best_sovits = [p["sovits"] for p in order if p["gpt"] == gpt_anchor][:size]
    racing = {(c.params["gpt"], c.params["sovits"]) for c in candidates}
    return [pair_candidate(g, s) for g, s in itertools.product(best_gpt, best_sovits) if (g, s) not in racing]


def plan_config_round(*, candidates: list[Candidate], takes: list[ranking.Take], race: list[int],
                      taken: dict[int, int], slot_count: int, budget_left: int, finalists: int, round_number: int,
                      final_takes: int, cross_anchors: tuple[str, str] | None = None) -> ConfigRound:
    """The next round: the reference finder's successive halving over candidate indexes.

    race: candidate indexes still racing (the last round's plus candidates never probed);
    final_takes: the finalists' takes before the search stops (a grid's takes per candidate: the
    budget left after halving goes to telling the finalists apart, which close pass rates need);
    cross_anchors: set for an axes search; before its second round the leaders' cross joins.
    """
    plan = ConfigRound()
    if cross_anchors is not None and round_number == 2:
        plan.added = leaders_cross(candidates, ranking.rank(takes, race), cross_anchors)
        race = race + list(range(len(candidates), len(candidates) + len(plan.added)))
    rows = ranking.rank(takes, race)
    halving = allocate.plan_round(ranking=rows, text_ids=list(range(slot_count)), taken=taken,
                                  budget_left=budget_left, shortlist=finalists, first_round=round_number == 1,
                                  final_takes=final_takes)
    plan.probes, plan.survivors, plan.stop_reason = halving.probes, halving.survivors, halving.stop_reason
    return plan


def failure_rates(takes: list[ranking.Take], shared: dict) -> dict[str, float]:
    """Share of judged takes showing each failure kind (a take may show several); shared flags do not count."""
    judged = [t for t in takes if t.judged]
    if not judged:
        return {kind: 0.0 for kind in FAILURE_KINDS}
    counts: Counter = Counter()
    for take in judged:
        own = {f for f in take.flags if f not in shared.get(take.text_id, ())}
        for kind, flags in FAILURE_KINDS.items():
            if own & set(flags):
                counts[kind] += 1
    return {kind: round(counts[kind] / len(judged), 3) for kind in FAILURE_KINDS}


def rank_candidates(takes: list[ranking.Take], candidates: list[Candidate],
                    indexes: list[int] | None = None) -> list[CandidateRow]:
    """Rows best first, one per candidate (a take's clip id is its candidate's index)."""
    indexes = list(range(len(candidates))) if indexes is None else indexes
    by_candidate: dict[int, list[ranking.Take]] = defaultdict(list)
    for take in takes:
        by_candidate[take.clip_id].append(take)
    shared = ranking.shared_flags(takes)
    return [CandidateRow.of(row, candidates[row.clip_id], failure_rates(by_candidate.get(row.clip_id, []), shared))
            for row in ranking.rank(takes, indexes)]


def weight_loads(runs: list[list[tuple[str, str]]]) -> int:
    """GPT plus SoVITS file loads of engines that ran these (gpt, sovits) sequences, one per engine."""
    total = 0
    for sequence in runs:
        state = EngineState()
        for number, (gpt, sovits) in enumerate(sequence):
            state.apply(JobKey(number, gpt, sovits, ""))
        total += state.gpt_loads + state.sovits_loads
    return total


@dataclass(frozen=True)
class EpochPoint:
    epoch: int
    fail_rate: float  # failed takes over all takes of the candidates with that epoch's weight
    takes: int


def failure_by_epoch(rows: list[CandidateRow]) -> dict[str, list[EpochPoint]]:
    """Per axis, per epoch: the measured failure rate over all takes of the candidates with that weight
    (the chart of failure rate against epoch)."""
    chart: dict[str, list[EpochPoint]] = {}
    for kind in ("gpt", "sovits"):
        points: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for row in rows:
            epoch = row.epochs.get(kind)
            if epoch is None or not row.takes:
                continue
            points[epoch][0] += row.failed_takes
            points[epoch][1] += row.takes
        chart[kind] = [EpochPoint(e, round(f / n, 3), n) for e, (f, n) in sorted(points.items())]
    return chart

