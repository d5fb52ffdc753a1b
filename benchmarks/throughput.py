"""RAS end to end against GPT-SoVITS's own loop, side by side in one run.

Both sides use the same tiny real GPT-SoVITS weights, one torch thread, and
the very same TTS.run inputs (the upstream loop replays what RAS sent):
- upstream: benchmarks/upstream_loop.py, one TTS object and a bare loop of
  TTS.run calls, as GPT-SoVITS's own scripts do (no gc.freeze);
- RAS: the app started as the README says, driven through its API
  (gradio_client): create a task, run it, poll /task_status until every job
  is done ("all done") and until every result is analysed ("all analysed":
  spectrogram, metrics, DNSMOS, speaker similarity).
Start-up (worker launch, weight and analysis-model loading) is outside both
timings: RAS runs one warm-up job first, the upstream loop times after its
TTS object is built. Targets on a 2-core machine: all done >= 1.6x the
upstream loop, all analysed >= 0.9x. The status is polled once a second (a
progress view's pace; the poll itself costs CPU on the same two cores), so
each time is late by half a second on average.
The upstream loop runs twice, before and after a third run, the same bare
loop with gc.freeze() after every job, and its mean rate is the baseline. The
frozen loop shows what keeping the heap out of TTS.run's collection buys by
itself: the most RAS's worker can gain from it on these takes.

python benchmarks/throughput.py [--jobs 48] [--work-dir DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from gsv_integration.request import SynthesisRequest
from tests.fixtures.app import gsv_app_args, launch_app, role_with_references, wait_for
from tests.fixtures.gsv import REF_TEXT, build_tiny_gsv, gsv_python_path

DONE_TARGET, ANALYSED_TARGET = 1.6, 0.9
READ_TARGET_MS = 30
WORKER_ENV = {"RAS_TEST_OFFLINE": "1", "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
SENTENCES = ("The morning train was late again today.", "She opened the window and listened to the rain.",
             "Three small boats crossed the quiet lake.", "He wrote a long letter to his old friend.",
             "The library closes early on Sundays.", "We planted tomatoes beside the garden wall.",
             "A cold wind came down from the hills.", "The children laughed at the clever dog.",
             "Please bring the blue folder to the meeting.", "The soup needs a little more salt.",
             "Our neighbour plays the piano every evening.", "The bridge was painted bright red last year.")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def idle_cpu_share(pid: int, seconds: float = 5.0) -> float:
    """CPU seconds per second the process spends with nobody calling it (its event loops' ticks)."""
    before, start = cpu_seconds(pid), time.perf_counter()
    time.sleep(seconds)
    return (cpu_seconds(pid) - before) / (time.perf_counter() - start)


def read_costs(app, client, role: str, task_id: int, rows: int, calls: int = 30) -> str:
    """Web-process CPU per call (all its threads, measured once the task is analysed and the app is
    idle), less what the idle process burns over the same wall time, and the client's median round
    trip, for a page of results and a progress poll."""
    idle = idle_cpu_share(app.process.pid)
    parts = []
    for name, args in (("/list_results", (role, task_id, "duration", 1, rows)), ("/task_status", (role, task_id))):
        client.predict(*args, api_name=name)
        trips = []
        before, started = cpu_seconds(app.process.pid), time.perf_counter()
        for _ in range(calls):
            start = time.perf_counter()
            client.predict(*args, api_name=name)
            trips.append(time.perf_counter() - start)
        spent = cpu_seconds(app.process.pid) - before
        served = (spent - idle * (time.perf_counter() - started)) / calls
        trips.sort()
        parts.append(f"{name} ({rows} rows)" if name == "/list_results" else name)
        parts[-1] += (f" {served * 1000:.0f} ms of web-process CPU per call ({spent / calls * 1000:.0f} ms with the "
                      f"idle process's own {idle:.0%} of a core; round trip {trips[len(trips) // 2] * 1000:.0f} ms)")
    return "status reads: " + "; ".join(parts) + f" (target <= {READ_TARGET_MS} ms)"


def run_ras(work_dir: Path, tiny, jobs: int) -> tuple[dict, list[dict]]:
    """Seconds until all done and all analysed, and the requests RAS sent (to replay upstream)."""
    app = launch_app(work_dir, *gsv_app_args(tiny), env_extra=WORKER_ENV)
    try:
        client = app.client()
        role, clip_ids = role_with_references(client, work_dir, "bench", "throughput",
                                              voices=(("en+m3", REF_TEXT),))
        models = client.predict(api_name="/list_models")
        base = {"gpt": models["gpt"][0]["file"], "sovits": models["sovits"][0]["file"], "seed": 1,
                "text_split_method": "cut5"}
        warm_text = client.predict("A short warm-up line.", "en", "", api_name="/add_text")["id"]
        text_ids = [client.predict(SENTENCES[i % len(SENTENCES)] + f" Part {i}.", "en", "",
                                   api_name="/add_text")["id"] for i in range(jobs // 2)]

        def run(spec: dict) -> tuple[int, float, float, float]:
            task = client.predict(role, spec, api_name="/create_task")
            started = time.perf_counter()
            client.predict(role, task["task_id"], api_name="/run_task")
            status = lambda: client.predict(role, task["task_id"], api_name="/task_status")  # noqa: E731
            last = wait_for(lambda: s if (s := status())["done"] + s["failed"] >= task["jobs"] else None,
                            timeout=60 * jobs, interval=1.0, what="all jobs done")
            done_at = time.perf_counter()
            if last["failed"]:
                raise RuntimeError(f"{last['failed']} job(s) failed: see {app.log_path}")
            wait_for(lambda: status()["analysed"] >= task["jobs"], timeout=30 * jobs, interval=1.0,
                     what="all results analysed")
            return task["task_id"], started, done_at, time.perf_counter()

        run({"clip_ids": clip_ids, "text_ids": [warm_text], "base": base})  # worker, weights, analysis models
        task_id, started, done_at, analysed_at = run(
            {"clip_ids": clip_ids, "text_ids": text_ids, "vary": {"top_k": [5, 15]}, "base": base})
        results = client.predict(role, task_id, "id", 1, jobs, api_name="/list_results")["results"]
        reads = read_costs(app, client, role, task_id, jobs)
    finally:
        app.stop()
    return {"done_s": done_at - started, "analysed_s": analysed_at - started, "reads": reads}, \
        [r["params"] for r in results]


def run_upstream(work_dir: Path, tiny, requests: list[dict], *, freeze: bool = False) -> dict:
    jobs = [{"gpt": r["gpt_weights"], "sovits": r["sovits_weights"],
             "inputs": SynthesisRequest.from_dict(r).to_tts_inputs()} for r in requests]
    jobs_file = work_dir / "upstream_jobs.json"
    jobs_file.write_text(json.dumps(jobs, ensure_ascii=False), encoding="utf-8")
    state = work_dir / "upstream_state"
    state.mkdir(exist_ok=True)
    done = subprocess.run([tiny.python, str(Path(__file__).with_name("upstream_loop.py")), "--jobs", str(jobs_file),
                           "--torch-threads", "1", "--state-dir", str(state), *(["--freeze"] if freeze else [])],
                          cwd=tiny.root, env={**os.environ, **WORKER_ENV}, capture_output=True, text=True,
                          timeout=3600, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"upstream loop failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=48)
    parser.add_argument("--work-dir", default="")
    args = parser.parse_args()
    tiny = build_tiny_gsv(str(gsv_python_path()))
    with tempfile.TemporaryDirectory() as tmp:
        work_dir = Path(args.work_dir or tmp)
        work_dir.mkdir(parents=True, exist_ok=True)
        ras, requests = run_ras(work_dir, tiny, args.jobs)
        before = run_upstream(work_dir, tiny, requests)
        frozen = run_upstream(work_dir, tiny, requests, freeze=True)
        after = run_upstream(work_dir, tiny, requests)
    jobs = len(requests)
    # this shared machine's speed drifts by 10-20 % from one minute to the next: the upstream loop
    # runs on both sides of the frozen one and its mean rate is the baseline
    upstream_rate = (before["jobs_per_min"] + after["jobs_per_min"]) / 2
    done_rate, analysed_rate = jobs / ras["done_s"] * 60, jobs / ras["analysed_s"] * 60
    print(f"upstream TTS.run loop: {jobs} jobs, run twice: {before['jobs_per_min']:.0f} and "
          f"{after['jobs_per_min']:.0f} jobs/min, mean {upstream_rate:.0f} jobs/min")
    print(f"the same loop with gc.freeze() after every job: {frozen['jobs_per_min']:.0f} jobs/min = "
          f"{frozen['jobs_per_min'] / upstream_rate:.2f}x (the collection's whole share of the loop's time)")
    print(f"RAS all done: {ras['done_s']:.1f} s = {done_rate:.0f} jobs/min; "
          f"all analysed: {ras['analysed_s']:.1f} s = {analysed_rate:.0f} jobs/min")
    print(ras["reads"])
    print(f"throughput: all done {done_rate / upstream_rate:.2f}x the upstream loop (target >= {DONE_TARGET}), "
          f"all analysed {analysed_rate / upstream_rate:.2f}x (target >= {ANALYSED_TARGET})")


if __name__ == "__main__":
    main()
