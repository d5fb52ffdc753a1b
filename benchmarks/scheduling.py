"""Weight loads and reference encodings: scheduled order vs the order jobs were created in.

A task of 2 GPT x 2 SoVITS x 4 refs x 5 parameter values x 2 texts, expanded the way
ras.tasks creates jobs (parameter sets outermost, then clips, then texts).
"""
from __future__ import annotations

import itertools
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ras.queue.scheduler import JobKey, count_costs, scheduled_order

GPTS, SOVITS, REFS, VALUES, TEXTS = ("g1", "g2"), ("s1", "s2"), ("r1", "r2", "r3", "r4"), range(5), range(2)


def created_order() -> list[JobKey]:
    jobs, job_id = [], 0
    for gpt, sovits, _value in itertools.product(GPTS, SOVITS, VALUES):  # one parameter set each
        for ref, _text in itertools.product(REFS, TEXTS):
            job_id += 1
            jobs.append(JobKey(job_id, gpt, sovits, ref))
    return jobs


def main() -> None:
    jobs = created_order()
    naive, ours = count_costs(jobs), count_costs(scheduled_order(jobs))
    distinct = len(GPTS) + len(SOVITS)
    # Every (GPT, SoVITS) pair must be loaded together once: with 2 x 2 that needs one
    # extra switch of one of them beyond the distinct files.
    lower_bound = distinct + (len(GPTS) - 1) * (len(SOVITS) - 1)
    print(f"jobs: {len(jobs)}")
    for name, cost in (("created order", naive), ("scheduled", ours)):
        print(f"{name:>13}: GPT loads {cost.gpt_loads}, SoVITS loads {cost.sovits_loads}, "
              f"weight loads {cost.gpt_loads + cost.sovits_loads}, reference encodings {cost.ref_encodings}")
    loads_naive, loads_ours = naive.gpt_loads + naive.sovits_loads, ours.gpt_loads + ours.sovits_loads
    print(f"scheduling: weight loads {loads_ours} vs {loads_naive} created-order "
          f"({loads_naive / loads_ours:.1f}x fewer), "
          f"reference encodings {ours.ref_encodings} vs {naive.ref_encodings} "
          f"({naive.ref_encodings / ours.ref_encodings:.1f}x fewer); distinct weight files {distinct}, "
          f"SoVITS loads {ours.sovits_loads} = distinct SoVITS files, least possible loads {lower_bound}")


if __name__ == "__main__":
    main()
