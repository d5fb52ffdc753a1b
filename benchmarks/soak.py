"""Soak with kills and hangs: a long task on a planted api_v2 server while the server, the web
process and the analysis processes are killed (SIGKILL) at random moments, and analysis
processes are stopped (SIGSTOP: what a deadlocked thread pool or a swapped-out machine looks like
from outside) and left stopped. Afterwards every job must be done exactly once, every result
analysed or its analysis marked failed with the reason, every stopped process gone (the
analysis watchdog killed and replaced it), no orphaned or half-written file may remain in the
role folder, both databases must pass PRAGMA integrity_check, and the web process's memory once
every result is analysed must not exceed by more than 100 MB its level when the first 200
results were analysed (the analysis models are loaded by then, so what grows after is what a
long run keeps). The app runs with short analysis time limits (--analysis-timeout), so a hang
costs seconds rather than the default's minute or two.

python benchmarks/soak.py [--jobs 2000] [--kills 12] [--hangs 6] [--seed 1] [--work-dir DIR]
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
# a hung analysis request costs 20 s + 2 s per second of audio (+ 120 s while a new process loads)
ANALYSIS_LIMIT_ARGS = ("--analysis-timeout", "20", "--analysis-timeout-per-second", "2",
                       "--analysis-load-allowance", "120")
KILL_KINDS = ("engine", "web", "analysis")


@dataclass
class SoakReport:
    jobs: int
    engine_kills: int
    web_kills: int
    analysis_kills: int
    analysis_hangs: int  # analysis processes stopped (SIGSTOP) and left stopped
    hangs_cleared: int  # of those, gone before the run ended (killed by the watchdog, or with a killed web process)
    left_stopped: list[int]  # stopped processes still there after the app stopped
    done: int
    failed: int
    lost: int
    duplicated: int
    analysed: int
    analysis_failed: int  # results whose analysis gave up (failed twice), each with its reason
    unanalysed: int  # finished results neither analysed nor marked failed: must be 0
    orphan_files: list[str]
    resynthesized: int  # takes the engine made again because a kill interrupted them
    integrity: str
    rss_baseline_mb: float
    rss_baseline_at: int  # results analysed when the baseline was read
    rss_end_mb: float
    seconds: float

    @property
    def kills(self) -> int:
        return self.engine_kills + self.web_kills + self.analysis_kills

    @property
    def hangs_survived(self) -> int:
        """Stopped analysis processes that cost the run nothing: each was gone before the run ended,
        and every result was settled."""
        return self.hangs_cleared if self.unanalysed == 0 else 0

    @property
    def rss_growth_mb(self) -> float:
        return self.rss_end_mb - self.rss_baseline_mb

    def lines(self) -> list[str]:
        return [f"jobs: {self.jobs} ({self.done} done, {self.failed} failed) in {self.seconds:.0f} s",
                f"kills: {self.kills} ({self.engine_kills} engine, {self.web_kills} web process, "
                f"{self.analysis_kills} analysis process)",
                f"analysis hangs: {self.analysis_hangs} stopped, {self.hangs_cleared} gone before the end, "
                f"{len(self.left_stopped)} left after it {self.left_stopped[:5]}",
                f"analysis: {self.analysed} analysed, {self.analysis_failed} failed with a reason, "
                f"{self.unanalysed} neither",
                f"lost: {self.lost}", f"duplicated: {self.duplicated}",
                f"orphan files: {len(self.orphan_files)} {self.orphan_files[:5]}",
                f"re-synthesized takes: {self.resynthesized}", f"integrity_check: {self.integrity}",
                f"RSS: {self.rss_baseline_mb:.0f} MB after {self.rss_baseline_at} results analysed -> "
                f"{self.rss_end_mb:.0f} MB at the end ({self.rss_growth_mb:+.0f} MB)",
                f"soak: {self.jobs} jobs, {self.kills} kills, {self.hangs_survived} analysis hangs survived: "
                f"lost {self.lost}, duplicated {self.duplicated}, unanalysed-without-reason {self.unanalysed}, "
                f"analysis failed {self.analysis_failed}, orphan files {len(self.orphan_files)}, "
                f"integrity {self.integrity}, RSS growth {self.rss_growth_mb:+.0f} MB"]


def analysis_processes(web_pid: int) -> dict[int, str]:
    """The web process's analysis processes: pid -> state (R, S, T for stopped, ...)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == web_pid and b"analysis_process" in (entry / "cmdline").read_bytes():
                found[int(entry.name)] = fields[0]
        except (OSError, ValueError, IndexError):  # gone meanwhile
            continue
    return found


def alive(pid: int) -> bool:
    """Still there and not a zombie waiting to be reaped."""
    try:
        return (Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]) != "Z"
    except (OSError, IndexError):
        return False


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
    def __init__(self, work_dir: Path, jobs: int, kills: int, hangs: int, seed: int, say):
        self.work_dir, self.jobs, self.say = work_dir, jobs, say
        self.rng = random.Random(seed)
        kinds = [KILL_KINDS[i % len(KILL_KINDS)] for i in range(kills)] + ["hang"] * hangs
        self.rng.shuffle(kinds)
        events = kills + hangs
        points = sorted(self.rng.sample(range(max(1, jobs // 20), max(jobs // 20 + events + 1, jobs * 9 // 10)),
                                        events))
        self.plan = list(zip(points, kinds))
        self.roles_dir = work_dir / "roles"
        self.engine_args = ()
        self.server = self.app = self.client = None
        self.counts = Counter()
        self.stopped: list[int] = []  # analysis processes stopped and left so

    def launch(self) -> None:
        self.app = launch_app(self.work_dir, *self.engine_args, *ANALYSIS_LIMIT_ARGS, roles_dir=self.roles_dir)
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

    def running_analysis_process(self) -> int | None:
        """One of the web process's analysis processes that runs (not stopped), at random."""
        running = sorted(pid for pid, state in analysis_processes(self.app.process.pid).items() if state != "T")
        return self.rng.choice(running) if running else None

    def kill_analysis(self) -> bool:
        pid = self.running_analysis_process()
        if pid is None:
            return False
        os.kill(pid, signal.SIGKILL)
        return True

    def hang_analysis(self) -> bool:
        pid = self.running_analysis_process()
        if pid is None:
            return False
        os.kill(pid, signal.SIGSTOP)  # and left stopped: only the watchdog may end it
        self.stopped.append(pid)
        return True

    def act(self, kind: str) -> bool:
        """Kill or stop what `kind` names; False when there is nothing to do it to yet (no analysis
        process runs just after a restart): the event waits for the next poll."""
        if kind == "web":
            self.kill_web()
        elif kind == "engine":
            self.kill_engine()
        elif kind == "analysis":
            return self.kill_analysis()
        else:
            return self.hang_analysis()
        return True

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
            # the engine and the web process die as takes land; analysis processes as results are analysed
            plans = {"done": [e for e in self.plan if e[1] in ("engine", "web")],
                     "analysed": [e for e in self.plan if e[1] in ("analysis", "hang")]}
            synthesized = False
            # until synthesis is done and every planned kill and hang happened; then until every result is
            # settled. Memory is compared once every result is settled: the analysis step holds what a leak would
            deadline = None
            while True:
                status = self.status(role, task_id)
                analysed, gave_up, _ = self.analysis_counts(role, task_id)
                if baseline is None and analysed >= baseline_at:
                    baseline = rss_mb(self.app.process.pid)  # the analysis models are loaded by now
                reached = {"done": status["done"], "analysed": analysed}
                acted = next((plan.pop(0)[1] for name, plan in plans.items()
                              if plan and reached[name] >= plan[0][0] and self.act(plan[0][1])), None)
                if acted is not None:
                    what = "stopped an analysis process" if acted == "hang" else f"killed the {acted}"
                    self.say(f"{time.monotonic() - started:6.0f} s: {status['done']} done, {analysed} analysed, "
                             f"{what}")
                    self.counts[acted] += 1
                    continue
                plan = plans["done"] + plans["analysed"]
                if not synthesized and status["done"] + status["failed"] >= self.jobs \
                        and not status["running"] and not status["queued"]:
                    synthesized = True
                    deadline = time.monotonic() + ANALYSIS_SECONDS_PER_JOB * self.jobs + 300
                    self.say(f"{time.monotonic() - started:6.0f} s: {status['done']} done, {analysed} analysed")
                if synthesized and (not plan and analysed + gave_up >= status["done"]
                                    or time.monotonic() > deadline):
                    break
                time.sleep(0.3 if plan or not synthesized else 1.0)
            self.say(f"{time.monotonic() - started:6.0f} s: {analysed + gave_up} of {status['done']} results settled")
            end_rss = rss_mb(self.app.process.pid)
            baseline = end_rss if baseline is None else baseline
            cleared = sum(not alive(pid) for pid in self.stopped)
        finally:
            if self.app is not None:
                self.app.stop()
            self.server.kill()
        return self.inspect(role, task_id, (baseline, baseline_at), end_rss, cleared, time.monotonic() - started)

    def analysis_counts(self, role: str, task_id: int) -> tuple[int, int, int]:
        """Finished results of the task: (analysed, analysis failed with a reason, neither yet), read
        beside the app, as WAL allows."""
        try:
            with sqlite3.connect(self.roles_dir / role / ROLE_DB_NAME, timeout=10) as db:
                return tuple(db.execute(
                    "SELECT COALESCE(SUM(spectrogram_path != ''), 0), COALESCE(SUM(analysis_error != ''), 0), "
                    "COALESCE(SUM(spectrogram_path = '' AND analysis_error = ''), 0) "
                    "FROM job WHERE task_id = ? AND status = 'done'", (task_id,)).fetchone())
        except sqlite3.Error:
            return 0, 0, 0

    def analysed(self, role: str, task_id: int) -> int:
        return self.analysis_counts(role, task_id)[0]

    def inspect(self, role: str, task_id: int, baseline: tuple[float, int], end_rss: float, cleared: int,
                seconds: float) -> SoakReport:
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
        analysed, analysis_failed, unanalysed = self.analysis_counts(role, task_id)
        left = [pid for pid in self.stopped if alive(pid)]
        for pid in left:  # the report says so; the machine is not left with them
            os.kill(pid, signal.SIGKILL)
        return SoakReport(
            jobs=len(rows), engine_kills=self.counts["engine"], web_kills=self.counts["web"],
            analysis_kills=self.counts["analysis"], analysis_hangs=self.counts["hang"], hangs_cleared=cleared,
            left_stopped=left, analysed=analysed, analysis_failed=analysis_failed, unanalysed=unanalysed,
            done=len(done), failed=sum(r[1] == "failed" for r in rows), lost=len(rows) - len(done) + len(missing),
            duplicated=duplicated, orphan_files=orphans, resynthesized=sum(c - 1 for c in takes.values()),
            integrity="ok" if checks == ["ok", "ok"] else "; ".join(checks), rss_baseline_mb=baseline[0],
            rss_baseline_at=baseline[1], rss_end_mb=end_rss, seconds=seconds)


def run_soak(work_dir: Path, *, jobs: int, kills: int, hangs: int = 0, seed: int = 1, say=print) -> SoakReport:
    return Soak(Path(work_dir), jobs, kills, hangs, seed, say).run()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--kills", type=int, default=12, help="engine, web and analysis process kills, in turn")
    parser.add_argument("--hangs", type=int, default=6, help="analysis processes stopped (SIGSTOP)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work-dir", type=Path, default=None)
    args = parser.parse_args()
    work_dir = args.work_dir or Path(tempfile.mkdtemp(prefix="ras-soak-"))
    report = run_soak(work_dir, jobs=args.jobs, kills=args.kills, hangs=args.hangs, seed=args.seed)
    print("\n".join(report.lines()))


if __name__ == "__main__":
    main()
