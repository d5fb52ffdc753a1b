"""Checkpoint finder: how often the recommended GPT x SoVITS pair (or sampling setting) is the best, per job spent.

6 GPT x 4 SoVITS checkpoints of known quality (tests/fixtures/planted_checkpoints: the best pair
e15 x e8 sits inside the grid, SoVITS e4 drifts to another voice) and a top_k x temperature
table of known quality. Each simulated run plans its rounds with the finder's own code
(ras.finder.configs over ras.finder.allocate and ras.finder.rank); each take's outcome is drawn
from the planted engine's plan of that take (plan_take: the same draws the engine makes, no
audio), flagged as RAS's metrics flag planted failures (DETECTED of them; the measured floor is
0.75 per kind), with the speaker similarity the drift gives. Weight loads are counted by
replaying each round's jobs through the queue's scheduler on one engine.

A run is a hit when it recommends the true best candidate, or one whose interval reaches the
best's true pass rate while holding its own (the run cannot tell them apart, and says so).
The full grid is every candidate x every probe text x 3 seeds (as the reference finder counts).
Usage: python benchmarks/find_checkpoint.py [runs] (default 200)
Last line: `find_checkpoint: hit H % of N runs with J % of a G-job grid (S weight loads); settings: ...`.
"""
from __future__ import annotations

import random
import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ras.finder import configs  # noqa: E402
from ras.finder.rank import Take  # noqa: E402
from ras.queue.scheduler import EngineState, JobKey, scheduled_order  # noqa: E402
from tests.fixtures.planted_checkpoints import default_checkpoint_set  # noqa: E402
from tests.fixtures.planted_engine import Checkpoints, Profile, plan_take  # noqa: E402

TEXTS = 5  # the configuration probe set: short, long, numbers, repeated words, question
REFERENCES = ("ref-a", "ref-b", "ref-c")  # the top of a reference shortlist
DETECTED = 0.85  # share of planted failures RAS's metrics flag
FALSE_FLAGS = 0.01  # clean takes flagged anyway
FLAG_OF = {"repeat": "repeat", "long_pause": "long_pause", "swallowed_end": "truncated", "buzz": "noise",
           "text_leak": "text_leak"}
SETTINGS_FAIL = {"top_k": {5: 0.04, 15: 0.01, 30: 0.03, 50: 0.08},
                 "temperature": {0.6: 0.06, 0.8: 0.01, 1.0: 0.04, 1.3: 0.15}}
SETTINGS_KINDS = {"top_k": ("swallowed_end",), "temperature": ("repeat",)}


@dataclass
class Outcome:
    jobs: int
    loads: int
    hit: bool
    exact: bool
    honest: bool


def take_of(kind: str | None, drift: float, rng: random.Random, index: int, text_id: int, seed: int) -> Take:
    flags = []
    if kind and rng.random() < DETECTED or not kind and rng.random() < FALSE_FLAGS:
        flags.append(FLAG_OF.get(kind, "long_pause"))
    similarity = 0.92 - 0.4 * drift + rng.gauss(0, 0.03)
    if similarity < 0.675:  # where RAS's voice_drift flag fires
        flags.append("voice_drift")
    return Take(index, text_id, seed, auto_score=40.0 if flags else 85.0 + rng.gauss(0, 4), flags=tuple(flags),
                chars_per_second=12.0 * (1 + rng.gauss(0, 0.03)), speaker_similarity=similarity)


def pair_draw(checkpoints: Checkpoints):
    profiles = {ref: Profile() for ref in REFERENCES}

    def draw(candidate: configs.Candidate, reference: str, text_id: int, seed: int, rng: random.Random) -> tuple:
        # a run's own seed changes every take's draw (each run is a new voice's search)
        plan = plan_take(reference, f"probe {text_id}", seed + 1000 * rng.randrange(1 << 20), profiles, checkpoints,
                         gpt=candidate.params["gpt"], sovits=candidate.params["sovits"])
        return plan.planted, plan.drift
    return draw


def settings_draw(candidate: configs.Candidate, reference: str, text_id: int, seed: int, rng: random.Random):
    for name in ("top_k", "temperature"):
        if rng.random() < SETTINGS_FAIL[name][candidate.params[name]]:
            return rng.choice(SETTINGS_KINDS[name]), 0.0
    return None, 0.0


def search(candidates: list[configs.Candidate], draw, rng: random.Random, budget: int, finalists: int,
           cross_anchors: tuple[str, str] | None, weights: dict) -> tuple[list[configs.CandidateRow], int, int]:
    """One simulated run, round by round as ras.finder.config_stages plans them: (rows, jobs, weight loads)."""
    candidates = list(candidates)
    slots = configs.slots(list(range(len(REFERENCES))), list(range(TEXTS)))
    takes: list[Take] = []
    taken: dict[int, int] = {}
    race, number, last_round = list(range(len(candidates))), 1, []
    engine = EngineState()
    while True:
        plan = configs.plan_config_round(candidates=candidates, takes=takes, race=race, taken=taken,
                                         slot_count=len(slots), budget_left=budget - sum(taken.values()),
                                         finalists=finalists, round_number=number, cross_anchors=cross_anchors,
                                         final_takes=configs.final_takes(TEXTS))
        candidates += plan.added
        if not plan.probes:
            break
        jobs = []
        for job_id, probe in enumerate(plan.probes):
            params = {**weights, **candidates[probe.clip_id].params}
            jobs.append(JobKey(job_id, params["gpt"], params["sovits"], REFERENCES[slots[probe.text_id].reference]))
            slot = slots[probe.text_id]
            kind, drift = draw(candidates[probe.clip_id], REFERENCES[slot.reference], slot.text_id, probe.seed, rng)
            takes.append(take_of(kind, drift, rng, probe.clip_id, slot.text_id, probe.seed))
            taken[probe.clip_id] = taken.get(probe.clip_id, 0) + 1
        scheduled_order(jobs, engine)  # counts the loads; the engine keeps what it loaded between rounds
        last_round = sorted({p.clip_id for p in plan.probes})
        race = last_round
        number += 1
    rows = configs.rank_candidates(takes, candidates, sorted(taken))
    final = [r for r in rows if r.index in last_round] or rows
    return final, sum(taken.values()), engine.gpt_loads + engine.sovits_loads


def judge(rows: list[configs.CandidateRow], pass_rate_of, best_label: str, best_rate: float) -> tuple[bool, bool, bool]:
    """(hit, exact, honest): hit = the true best, or the best's true pass rate inside the recommendation's
    interval; honest = the recommendation's own true pass rate inside that interval too."""
    top = rows[0]
    exact = top.candidate.label == best_label
    own = pass_rate_of(top.candidate) * 100
    within = top.low <= best_rate * 100 <= top.high + 1e-9
    return exact or within, exact, top.low <= own + 1e-9 <= top.high + 2e-9


def pairs_benchmark(runs: int, seed: int = 7) -> tuple[list[Outcome], int, str]:
    checkpoint_set = default_checkpoint_set(Path(tempfile.mkdtemp(prefix="find_checkpoint_")))
    truth = checkpoint_set.truth()
    gpt = [p.name for p in checkpoint_set.gpt.values()]
    sovits = [p.name for p in checkpoint_set.sovits.values()]
    grid = configs.full_grid_jobs(len(gpt) * len(sovits), TEXTS)
    finalists = configs.DEFAULT_FINALISTS
    budget = configs.default_budget(len(gpt) * len(sovits), TEXTS, finalists)
    shape = configs.pair_shape(len(gpt), len(sovits), budget)
    anchors = (configs.anchor(gpt), configs.anchor(sovits))
    first = configs.pair_candidates(gpt, sovits, shape, anchors)
    best = configs.pair_candidate(truth.best.gpt, truth.best.sovits).label
    print(truth.table())
    print(f"pairs: shape {shape}, anchors {anchors}, budget {budget} of a {grid}-job grid, "
          f"{len(first)} first-round pairs")
    rng = random.Random(seed)
    draw = pair_draw(checkpoint_set.checkpoints)
    outcomes = []
    for _ in range(runs):
        rows, jobs, loads = search(first, draw, rng, budget, finalists, anchors if shape == "axes" else None, {})
        verdict = judge(rows, lambda c: truth.pairs[(c.params["gpt"], c.params["sovits"])].pass_rate,
                        best, truth.best.pass_rate)
        outcomes.append(Outcome(jobs, loads, *verdict))
    return outcomes, grid, shape


def settings_benchmark(runs: int, seed: int = 11) -> tuple[list[Outcome], int]:
    vary = {name: sorted(table) for name, table in SETTINGS_FAIL.items()}
    candidates = configs.settings_candidates(vary)

    def pass_rate(candidate: configs.Candidate) -> float:
        rate = 1.0
        for name in ("top_k", "temperature"):
            rate *= 1 - SETTINGS_FAIL[name][candidate.params[name]]
        return rate
    best = max(candidates, key=pass_rate)
    grid = configs.full_grid_jobs(len(candidates), TEXTS)
    budget = configs.default_budget(len(candidates), TEXTS, configs.DEFAULT_FINALISTS)
    print(f"settings: {len(candidates)} top_k x temperature candidates, best {best.label}, "
          f"budget {budget} of a {grid}-job grid")
    rng = random.Random(seed)
    weights = {"gpt": "voice-e15.ckpt", "sovits": "voice_e8_s200.pth"}
    outcomes = []
    for _ in range(runs):
        rows, jobs, loads = search(candidates, settings_draw, rng, budget, configs.DEFAULT_FINALISTS, None, weights)
        outcomes.append(Outcome(jobs, loads, *judge(rows, pass_rate, best.label, pass_rate(best))))
    return outcomes, grid


def summary(name: str, outcomes: list[Outcome], grid: int) -> str:
    jobs = statistics.mean(o.jobs for o in outcomes)
    loads = statistics.mean(o.loads for o in outcomes)
    hits = 100 * sum(o.hit for o in outcomes) / len(outcomes)
    exact = 100 * sum(o.exact for o in outcomes) / len(outcomes)
    honest = 100 * sum(o.honest for o in outcomes) / len(outcomes)
    line = (f"{name}: hit {hits:.1f} % of {len(outcomes)} runs (exact best {exact:.1f} %, own rate in its interval "
            f"{honest:.1f} %) with {jobs:.0f} jobs = "
            f"{100 * jobs / grid:.0f} % of a {grid}-job grid, {loads:.1f} weight loads")
    print(line)
    return line


def main(runs: int = 200) -> None:
    pair_outcomes, pair_grid, _shape = pairs_benchmark(runs)
    pairs_line = summary("pairs", pair_outcomes, pair_grid)
    settings_outcomes, settings_grid = settings_benchmark(runs)
    settings_line = summary("settings", settings_outcomes, settings_grid)
    settings_part = settings_line.removeprefix("settings: ")
    print(f"find_checkpoint: {pairs_line.removeprefix('pairs: ')}; settings: {settings_part}")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:2]))
