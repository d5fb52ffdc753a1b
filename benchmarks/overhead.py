"""Time outside the engine call (queue, DB, file writes, IPC) as a share of a task's wall time,
with the tiny real GPT-SoVITS. Needs .venv-gsv (scripts/setup_gsv_runtime.sh)."""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from gsv_integration.local_engine import LocalEngine
from ras.library import (
    importer,
    roles,
    texts,
)
from ras.queue import tasks
from ras.queue.runner import Runner
from ras.store.workspace import Workspace
from tests.fixtures.gsv import WORKER_TEST_CONFIG, build_tiny_gsv, gsv_python_path, make_ref_wav

JOBS = 24
TARGET = 0.10


class TimedEngine:
    """The real engine, adding up the time GPT-SoVITS itself spent (as the worker reports it):
    everything else - queue, DB, file writes, the pipe to the worker - is overhead."""

    def __init__(self, engine):
        self.engine, self.name, self.inside = engine, engine.name, 0.0

    def synthesize(self, request, out_path, *, timeout=None):
        result = self.engine.synthesize(request, out_path, timeout=timeout)
        self.inside += result.timings.get("total_s", 0.0)
        return result

    def __getattr__(self, name):
        return getattr(self.engine, name)


def main() -> None:
    tiny = build_tiny_gsv(str(gsv_python_path()))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        ws = Workspace(tmp / "roles")
        role = roles.create_role(ws=ws, category="bench", name="overhead")
        make_ref_wav(tmp / "ref.wav", "The reference speaker reads one calm sentence here.", speed=130)
        (tmp / "r.list").write_text(f"{tmp / 'ref.wav'}|s|en|The reference speaker reads one calm sentence here.")
        importer.import_list(ws=ws, role=role, list_path=tmp / "r.list")
        text_ids = [texts.add_text(ws=ws, content=f"Sentence {i} for timing.", lang="en") for i in range(JOBS // 2)]
        spec = {"clip_ids": [1], "text_ids": text_ids, "vary": {"top_k": [5, 15]},
                "base": {"gpt": str(tiny.gpt[0]), "sovits": str(tiny.sovits[0]), "seed": 1}}
        engine = TimedEngine(LocalEngine(tiny.root, tiny.python, worker_config=WORKER_TEST_CONFIG,
                                         env_extra={"RAS_TEST_OFFLINE": "1"}))
        engine.engine.start()  # worker start-up is not queue overhead
        warm = tasks.create_task(ws=ws, role=role, spec={**spec, "text_ids": text_ids[:1], "vary": {}},
                                 resolve_weight=lambda kind, value: value)
        runner = Runner(ws, lambda: [engine], job_timeout=120)
        for task_id in (warm.task_id,):  # load the weights once before measuring
            runner.run_task(role, task_id)
            while runner.status(role, task_id).state != "idle":
                time.sleep(0.05)
        engine.inside = 0.0
        task = tasks.create_task(ws=ws, role=role, spec=spec, resolve_weight=lambda kind, value: value)
        start = time.perf_counter()
        runner.run_task(role, task.task_id)
        while (status := runner.status(role, task.task_id)).state != "idle":
            time.sleep(0.1)
        wall = time.perf_counter() - start
        runner.shutdown()
        ws.close()
    assert status.done == JOBS, status
    outside = wall - engine.inside
    print(f"{JOBS} jobs: wall {wall:.2f} s, GPT-SoVITS's own time (worker-reported) {engine.inside:.2f} s, "
          f"outside {outside:.2f} s ({outside / JOBS * 1000:.0f} ms/job)")
    print(f"overhead: {outside / wall * 100:.1f} % of the run outside GPT-SoVITS (queue, DB, files, IPC; "
          f"target <= {TARGET * 100:.0f} %)")


if __name__ == "__main__":
    main()
