"""Reference finder: jobs spent against a full grid, and whether the shortlist is clean.

Builds a role of 40 espeak clips (good / flaky / acoustically bad, mixed), runs one finder
run through the real queue (Runner), analysis (Analyzer: metrics, DNSMOS, speaker
similarity) and the background driver, with the planted engine in-process (takes fail at
known rates per reference). Prints the screening cost per clip, the jobs the finder used
against the full grid (all screened-in clips x probe texts x 3 seeds), and whether every
shortlisted clip is a good one.
Usage: python benchmarks/find_reference.py [n_good n_flaky n_each_bad] (default 16 12 3)
Last line: `find_reference: N jobs = P % of a G-job grid; shortlist clean: yes|no; screening M ms/clip`.
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ras.analysis.analyzer import Analyzer  # noqa: E402
from ras.finder import run as finder_runs  # noqa: E402
from ras.finder import status as finder_status  # noqa: E402
from ras.finder.driver import FinderDriver  # noqa: E402
from ras.library.clips import list_clips  # noqa: E402
from ras.library.importer import import_list  # noqa: E402
from ras.library.roles import create_role  # noqa: E402
from ras.queue.runner import Runner  # noqa: E402
from ras.store.workspace import Workspace  # noqa: E402
from tests.fixtures.finder_role import BAD_KINDS, build_finder_role  # noqa: E402
from tests.fixtures.planted_engine import PlantedEngine, save_profiles  # noqa: E402


def role_kinds(n_good: int, n_flaky: int, n_each_bad: int) -> list[str]:
    kinds = ["good"] * n_good + ["flaky"] * n_flaky + [k for k in BAD_KINDS for _ in range(n_each_bad)]
    # interleave so that clip order says nothing about quality
    return [kinds[(i * 7) % len(kinds)] for i in range(len(kinds))] if len(kinds) % 7 else kinds


def main(n_good: int = 16, n_flaky: int = 12, n_each_bad: int = 3) -> None:
    work = Path(tempfile.mkdtemp(prefix="find_reference_"))
    role_data = build_finder_role(work / "clips", role_kinds(n_good, n_flaky, n_each_bad))
    profiles = save_profiles(work / "profiles.json", role_data.profiles)
    ws = Workspace(work / "roles")
    role = create_role(ws=ws, category="bench", name="finder")
    import_list(ws=ws, role=role, list_path=role_data.list_path)
    kind_of = {c.id: role_data.truth[c.text] for c in list_clips(ws=ws, role=role).clips}
    analyzer = Analyzer(ws)
    runner = Runner(ws, lambda: [PlantedEngine(profiles, name="planted")], on_result=analyzer.submit)
    driver = FinderDriver(ws, runner, encoder=analyzer.speaker_encoder, poll_seconds=0.5)
    runner.add_result_listener(driver.on_result)
    driver.start()
    started = time.monotonic()
    run_id = finder_runs.create_run(ws=ws, role=role, spec={"shortlist": 5})
    driver.watch(role)
    while not (status := finder_status.status(ws=ws, runner=runner, role=role, run_id=run_id)).settled:
        time.sleep(2)
    driver.stop()
    runner.shutdown()
    analyzer.shutdown()
    if status.stage == "failed":
        raise SystemExit(f"finder run failed: {status.error}")

    excluded = {r.clip_id: r.reasons for r in status.screened if r.excluded}
    print(f"clips: {len(kind_of)} ({n_good} good, {n_flaky} flaky, {n_each_bad} each of {', '.join(BAD_KINDS)})")
    for kind in ("good", "flaky", *BAD_KINDS):
        ids = [c for c, k in kind_of.items() if k == kind]
        print(f"  {kind:12s} screened out {sum(c in excluded for c in ids)}/{len(ids)}")
    print(f"probe texts: {len(status.text_ids)}, rounds: {len(status.task_ids)}, "
          f"stop: {status.stop_reason}, wall time {time.monotonic() - started:.0f} s")
    for row in status.ranking[:10]:
        print(f"  #{row.clip_id:<3d} {kind_of[row.clip_id]:8s} low {row.low:5.1f} "
              f"takes {row.takes:2d} failed {row.failed_takes:2d}  {row.standing}")
    shortlist_kinds = [kind_of[c] for c in status.shortlist]
    clean = bool(shortlist_kinds) and all(k == "good" for k in shortlist_kinds)
    grid = status.full_grid_jobs
    print(f"shortlist: {list(zip(status.shortlist, shortlist_kinds))}")
    print(f"find_reference: {status.jobs_done} jobs = {100 * status.jobs_done / grid:.0f} % of a {grid}-job "
          f"grid; shortlist clean: {'yes' if clean else 'no'}; screening {status.screen_ms_per_clip} ms/clip")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:4]))
