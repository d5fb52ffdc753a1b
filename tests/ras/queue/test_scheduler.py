import itertools

from ras.queue.scheduler import EngineState, JobKey, Scheduler, count_costs, scheduled_order


def grid_jobs():
    combos = itertools.product(range(5), ("g1", "g2"), ("s1", "s2"), ("r1", "r2", "r3", "r4"))
    return [JobKey(i, g, s, r) for i, (_, g, s, r) in enumerate(combos)]


def test_each_sovits_loads_once_and_refs_encode_once_per_model():
    jobs = grid_jobs()
    cost = count_costs(scheduled_order(jobs))
    assert cost.sovits_loads == 2 and cost.gpt_loads == 3  # 2 x 2 pairs: one unavoidable extra switch
    # each reference once per (GPT, SoVITS) block, and the loaded one is kept across a GPT switch
    assert cost.ref_encodings == 4 * 4 - 2
    created = count_costs(jobs)
    assert created.sovits_loads + created.gpt_loads > cost.sovits_loads + cost.gpt_loads
    assert sorted(j.job_id for j in scheduled_order(jobs)) == [j.job_id for j in jobs]  # every job once


def test_a_second_engine_takes_another_model_group():
    scheduler = Scheduler(grid_jobs())
    first, second = EngineState(), EngineState()
    job = scheduler.next(first)
    first.apply(job)
    other = scheduler.next(second, avoid={(first.gpt, first.sovits)})
    assert other.group() != job.group()


def test_a_retried_job_is_offered_again():
    scheduler = Scheduler([JobKey(1, "g", "s", "r"), JobKey(2, "g", "s", "r")])
    taken = scheduler.next(EngineState())
    assert len(scheduler) == 1
    scheduler.add(taken)
    assert len(scheduler) == 2
    assert {scheduler.next(EngineState()).job_id, scheduler.next(EngineState()).job_id} == {1, 2}
    assert scheduler.next(EngineState()) is None
