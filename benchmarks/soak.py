"""Soak with kills: a long task on a planted api_v2 server while the server and the web process
are killed (SIGKILL) and restarted at random moments. Afterwards every job must be done exactly
once, no orphaned or half-written file may remain in the role folder, both databases must pass
PRAGMA integrity_check, and the web process's memory once every result is analysed must not
exceed by more than 100 MB its level when the first 200 results were analysed (the analysis
models are loaded by then, so what grows after is what a long run keeps).

python benchmarks/soak.py [--jobs 2000] [--kills 12] [--seed 1] [--work-dir DIR]
"""
from __future__ import annotations

import argparse
import os
import random
import signal
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ras.queue.tasks import RESULTS_DIR
from ras.store.workspace import ROLE_DB_NAME
from tests.fixtures.app import launch_app, role_with_references
from tests.fixtures.gsv import REF_TEXT
from tests.fixtures.planted import planted_weights_dir, start_planted_server
from tests.fixtures.planted_engine import Profile

RSS_BASELINE_JOBS = 200
RSS_LIMIT_MB = 100.0
ANALYSIS_SECONDS_PER_JOB = 2.0  # how long the end waits for the analysis backlog, at most
TEXT = "The weather today is calm and the lake is very quiet."


@dataclass
class SoakReport:
    jobs: int
    engine_kills: int
    web_kills: int
    done: int
    failed: int
    lost: int
    duplicated: int
    orphan_files: list[str]
    resynthesized: int  # takes the engine made again because a kill interrupted them
    integrity: str
    rss_baseline_mb: float
    rss_end_mb: float
    seconds: float

    @property
    def kills(self) -> int:
        return self.engine_kills + self.web_kills

    @property
    def rss_growth_mb(self) -> float:
        return self.rss_end_mb - self.rss_baseline_mb

    def lines(self) -> list[str]:
        return [f"jobs: {self.jobs} ({self.done} done, {self.failed} failed) in {self.seconds:.0f} s",
                f"kills: {self.kills} ({self.engine_kills} engine, {self.web_kills} web process)",
                f"lost: {self.lost}", f"duplicated: {self.duplicated}",
                f"orphan files: {len(self.orphan_files)} {self.orphan_files[:5]}",
                f"re-synthesized takes: {self.resynthesized}", f"integrity_check: {self.integrity}",
                f"RSS: {self.rss_baseline_mb:.0f} MB after {RSS_BASELINE_JOBS} results analysed -> "
                f"{self.rss_end_mb:.0f} MB at the end ({self.rss_growth_mb:+.0f} MB)",
                f"soak: {self.jobs} jobs, {self.kills} kills: lost {self.lost}, duplicated {self.duplicated}, "
                f"orphan files {len(self.orphan_files)}, integrity {self.integrity}, "
                f"RSS growth {self.rss_growth_mb:+.0f} MB"]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def patiently(call, what: str, seconds: float = 300.0):
    """A request to the app, tried again while it is too busy to answer in time (a resumed task
    on a machine shared with other work); the last error is raised after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return call()
        except Exception as exc:  # timeouts come wrapped in several client types
            if time.monotonic() > deadline:
                raise RuntimeError(f"could not {what} within {seconds:.0f} s") from exc
            time.sleep(2.0)


class Soak:
    def __init__(self, work_dir: Path, jobs: int, kills: int, seed: int, say):
        self.work_dir, self.jobs, self.say = work_dir, jobs, say
        self.rng = random.Random(seed)
        kinds = ["engine" if i % 2 == 0 else "web" for i in range(kills)]
        self.rng.shuffle(kinds)
        points = sorted(self.rng.sample(range(max(1, jobs // 20), max(jobs // 20 + kills + 1, jobs * 9 // 10)), kills))
        self.plan = list(zip(points, kinds))
        self.roles_dir = work_dir / "roles"
        self.engine_args = ()
        self.server = self.app = self.client = None
        self.counts = Counter()

    def launch(self) -> None:
        self.app = launch_app(self.work_dir, *self.engine_args, roles_dir=self.roles_dir)
        self.client = patiently(self.app.client, "connect a client")

    def kill_web(self) -> None:
        os.killpg(self.app.process.pid, signal.SIGKILL)
        self.app.process.wait(timeout=30)
        time.sleep(self.rng.uniform(0.1, 1.0))
        self.launch()  # start-up recovers the interrupted jobs and resumes the task

    def kill_engine(self) -> None:
        self.server.kill()
        time.sleep(self.rng.uniform(0.2, 2.0))
        self.server.restart()

    def status(self, role: str, task_id: int) -> dict:
        return patiently(lambda: self.client.predict(role, task_id, api_name="/task_status"), "read the status")

    def run(self) -> SoakReport:
        started = time.monotonic()
        self.server = start_planted_server(self.work_dir, {"default": Profile()})
        self.engine_args = ("--engine-url", self.server.url, "--weights-dir", str(planted_weights_dir(self.work_dir)))
        try:
            self.launch()
            role, clip_ids = role_with_references(self.client, self.work_dir, "浸泡", "杀进程",
                                                  voices=(("en+m3", REF_TEXT),))
            text_id = self.client.predict(TEXT, "en", "", api_name="/add_text")["id"]
            models = self.client.predict(api_name="/list_models")
            spec = {"clip_ids": clip_ids, "text_ids": [text_id], "vary": {"seed": list(range(1, self.jobs + 1))},
                    "base": {"gpt": models["gpt"][0]["name"], "sovits": models["sovits"][0]["name"]}}
            task_id = self.client.predict(role, spec, api_name="/create_task")["task_id"]
            self.client.predict(role, task_id, api_name="/run_task")
            baseline, baseline_at = None, min(RSS_BASELINE_JOBS, self.jobs // 3)
            plan = list(self.plan)
            while True:
                status = self.status(role, task_id)
                finished = status["done"] + status["failed"]
                if baseline is None and self.analysed(role, task_id) >= baseline_at:
                    baseline = rss_mb(self.app.process.pid)  # the analysis models are loaded by now
                if plan and status["done"] >= plan[0][0]:
                    at, kind = plan.pop(0)
                    self.say(f"{time.monotonic() - started:6.0f} s: {status['done']} done, killing the {kind}")
                    self.kill_web() if kind == "web" else self.kill_engine()
                    self.counts[kind] += 1
                    continue
                if finished >= self.jobs and not status["running"] and not status["queued"]:
                    break
                time.sleep(0.3)
            # memory is compared once every result is analysed: the analysis step holds what a leak would
            deadline = time.monotonic() + ANALYSIS_SECONDS_PER_JOB * self.jobs + 300
            while (analysed := self.analysed(role, task_id)) < status["done"] and time.monotonic() < deadline:
                if baseline is None and analysed >= baseline_at:  # synthesis outran analysis
                    baseline = rss_mb(self.app.process.pid)
                time.sleep(1.0)
            end_rss = rss_mb(self.app.process.pid)
            baseline = end_rss if baseline is None else baseline
        finally:
            if self.app is not None:
                self.app.stop()
            self.server.kill()
        return self.inspect(role, task_id, baseline, end_rss, time.monotonic() - started)

    def analysed(self, role: str, task_id: int) -> int:
        """Results of the task whose analysis is stored (read beside the app, as WAL allows)."""
        try:
            with sqlite3.connect(self.roles_dir / role / ROLE_DB_NAME, timeout=10) as db:
                return db.execute("SELECT COUNT(*) FROM job WHERE task_id = ? AND spectrogram_path != ''",
                                  (task_id,)).fetchone()[0]
        except sqlite3.Error:
            return 0

    def inspect(self, role: str, task_id: int, baseline: float, end_rss: float, seconds: float) -> SoakReport:
        role_dir = self.roles_dir / role
        checks = []
        with sqlite3.connect(role_dir / ROLE_DB_NAME) as db:
            rows = db.execute("SELECT id, status, result_path FROM job WHERE task_id = ?", (task_id,)).fetchall()
            checks.append(db.execute("PRAGMA integrity_check").fetchone()[0])
        with sqlite3.connect(self.roles_dir.parent / "ras.db") as db:
            checks.append(db.execute("PRAGMA integrity_check").fetchone()[0])
        done = [r for r in rows if r[1] == "done"]
        expected = {r[2] for r in done}
        done_ids = {str(r[0]) for r in done}
        results_dir = role_dir / RESULTS_DIR / str(task_id)
        present = list(results_dir.iterdir()) if results_dir.is_dir() else []
        # a done job owns <id>.wav and what analysis adds beside it (<id>.png); anything else is stray
        stray = {p for p in present if p.name.startswith(".") or p.name.split(".")[0] not in done_ids}
        partial = set(role_dir.rglob("*partial*"))
        orphans = sorted(str(p.relative_to(role_dir)) for p in stray | partial)
        missing = {path for path in expected if not (role_dir / path).is_file()}
        duplicated = len(done) - len(expected) + sum(c - 1 for c in Counter(r[2] for r in done).values() if c > 1)
        takes = Counter(t["seed"] for t in self.server.takes())
        return SoakReport(
            jobs=len(rows), engine_kills=self.counts["engine"], web_kills=self.counts["web"], done=len(done),
            failed=sum(r[1] == "failed" for r in rows), lost=len(rows) - len(done) + len(missing),
            duplicated=duplicated, orphan_files=orphans, resynthesized=sum(c - 1 for c in takes.values()),
            integrity="ok" if checks == ["ok", "ok"] else "; ".join(checks), rss_baseline_mb=baseline,
            rss_end_mb=end_rss, seconds=seconds)


def run_soak(work_dir: Path, *, jobs: int, kills: int, seed: int = 1, say=print) -> SoakReport:
    return Soak(Path(work_dir), jobs, kills, seed, say).run()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--kills", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work-dir", type=Path, default=None)
    args = parser.parse_args()
    work_dir = args.work_dir or Path(tempfile.mkdtemp(prefix="ras-soak-"))
    report = run_soak(work_dir, jobs=args.jobs, kills=args.kills, seed=args.seed)
    print("\n".join(report.lines()))


if __name__ == "__main__":
    main()
