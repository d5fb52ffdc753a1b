"""Server time to return one sorted, filtered page of a 5,000-result task (/list_results' service)."""
from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ras import results
from ras.library import (
    importer,
    roles,
    texts,
)
from ras.queue import tasks
from ras.store.workspace import Workspace
from tests.fixtures.app import write_tone

TARGET_S = 0.2


def make_task(ws: Workspace, folder: Path) -> tuple[str, int]:
    role = roles.create_role(ws=ws, category="bench", name="evaluate")
    lines = []
    for i in range(10):
        lines.append(f"{write_tone(folder / f'c{i}.wav', 4.0, seed=i)}|s|zh|参考{i}")
    (folder / "c.list").write_text("\n".join(lines), encoding="utf-8")
    importer.import_list(ws=ws, role=role, list_path=folder / "c.list")
    text_ids = [texts.add_text(ws=ws, content=f"测试文本{i}", lang="zh") for i in range(5)]
    spec = {"clip_ids": list(range(1, 11)), "text_ids": text_ids, "vary": {"top_k": list(range(1, 101))}}
    task = tasks.create_task(ws=ws, role=role, spec=spec)
    assert task.jobs == 5000
    rng = random.Random(0)
    with ws.role_engine(role).begin() as conn:  # pretend every job ran, a tenth of them scored
        rows = [{"id": i, "d": rng.uniform(1, 8), "a": rng.uniform(0, 100),
                 "s": rng.choice([None] * 9 + [3.0])} for i in range(1, 5001)]
        conn.execute(text("UPDATE job SET status='done', duration=:d, chars_per_second=5/:d, auto_score=:a, "
                          "score=:s, result_path='results/1/' || id || '.wav', request_json='{\"top_k\": 1}' "
                          "WHERE id=:id"), rows)
    return role, task.task_id


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(Path(tmp) / "roles")
        role, task_id = make_task(ws, Path(tmp))
        sets = [s.id for s in results.param_sets(ws=ws, role=role, task_id=task_id)][:20]
        cases = [("duration", results.ResultFilter()), ("auto", results.ResultFilter(scored=False)),
                 ("score", results.ResultFilter(param_set_ids=tuple(sets))),
                 ("chars_per_second", results.ResultFilter(text="测试文本3"))]
        timings = []
        for sort, flt in cases:
            for page in (1, 50):
                start = time.perf_counter()
                found = results.list_results(ws=ws, role=role, task_id=task_id, sort=sort, page=page,
                                             page_size=50, flt=flt)
                timings.append(time.perf_counter() - start)
                assert found.total > 0
            print(f"sort={sort:<16} total={found.total:<5} {timings[-2] * 1000:.1f} / {timings[-1] * 1000:.1f} ms")
        ws.close()
    print(f"evaluate_page: 5000 results, sorted+filtered page in {statistics.median(timings) * 1000:.0f} ms median, "
          f"{max(timings) * 1000:.0f} ms worst (target <= {TARGET_S * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
