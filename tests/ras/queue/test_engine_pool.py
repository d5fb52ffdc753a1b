"""Engine health in the pool: a server that stops answering is set aside and takes jobs again once it
answers; one that answers garbage is quarantined; a job that takes down engine after engine fails at last."""
from __future__ import annotations

import threading

from gsv_integration.engine import EngineCrashed, EngineMisbehaving
from ras.queue.engine_health import MAX_ENGINE_LOSSES_PER_JOB, EngineReport
from ras.queue.engine_pool import EnginePool


class ServerEngine:
    def __init__(self, name: str):
        self.name, self.answers, self.closed = name, True, False

    def probe(self) -> None:
        if not self.answers:
            raise ConnectionError(f"{self.name} does not answer\nsecond line")

    def close(self) -> None:
        self.closed = True


def started_pool(*engines) -> tuple[EnginePool, list[str]]:
    said: list[str] = []
    pool = EnginePool(lambda: list(engines), threading.Condition(), said.append, stopping=lambda: True)
    pool.start(lambda worker: None)
    return pool, said


def test_an_engine_that_stops_answering_is_set_aside_until_it_answers():
    first, second = ServerEngine("a"), ServerEngine("b")
    pool, said = started_pool(first, second)
    worker = pool.workers[0]
    first.answers = False
    assert pool.engine_lost(worker, EngineCrashed("connection reset"))
    assert pool.reports()[0] == EngineReport("a", "down", "a does not answer")
    assert pool.least_busy() is pool.workers[1] and pool.others_healthy(worker)
    assert said == ["a: down, its jobs go to the other engines: a does not answer"]

    first.answers = True
    worker.health.next_check = 0.0
    pool.wait_for_recovery(worker)
    assert pool.reports()[0].state == "ok" and said[-1] == "a: answers again, takes jobs"
    pool.close()
    assert first.closed and second.closed


def test_a_failure_of_an_engine_that_still_answers_is_the_jobs():
    pool, said = started_pool(ServerEngine("a"))
    assert not pool.engine_lost(pool.workers[0], EngineCrashed("CUDA out of memory"))
    assert pool.reports()[0].state == "ok" and said == []


def test_garbage_quarantines_and_a_job_that_outlives_engines_fails():
    pool, _ = started_pool(ServerEngine("a"))
    worker = pool.workers[0]
    assert pool.engine_lost(worker, EngineMisbehaving("answered 12 bytes of text, not audio"))
    assert pool.reports()[0].state == "quarantined"
    assert [pool.may_release(7) for _ in range(MAX_ENGINE_LOSSES_PER_JOB + 1)] == \
        [True] * MAX_ENGINE_LOSSES_PER_JOB + [False]
