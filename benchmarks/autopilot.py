"""Long-text autopilot: clean sentences with re-rolls vs. a single take, and what it costs.

One configuration reads a 40-sentence English text twice, side by side in one process, on
the planted engine (espeak speech; 30 % of takes carry a planted failure: repeat, long
pause, swallowed ending, leaked reference text, buzz): once with the autopilot (max_tries
4) and once with a single take per sentence. Everything between is RAS's real path: the
queue runner, the analysis step (metrics, auto score), the review that re-rolls on the same
queue. The engine's ground truth says which chosen takes are clean.
Usage: python benchmarks/autopilot.py [sentences] [fail_rate] [max_tries]
Last line: `autopilot: clean X % (single take Y %) at T tries per sentence; N of S need listening`.
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# The analysis step's speaker encoder runs on torch: one thread, as on a busy 2-core machine more
# threads only contend (set before torch is first imported).
os.environ.setdefault("OMP_NUM_THREADS", "1")

from ras.analysis.analyzer import Analyzer  # noqa: E402
from ras.library import importer, roles, texts  # noqa: E402
from ras.long_text import runs as long_text  # noqa: E402
from ras.long_text import status as run_views  # noqa: E402
from ras.long_text.status import LongTextStatus  # noqa: E402
from ras.queue.runner import Runner  # noqa: E402
from ras.queue.tasks import create_task  # noqa: E402
from ras.store.workspace import Workspace  # noqa: E402
from tests.fixtures.gsv import REF_TEXT, make_ref_wav  # noqa: E402
from tests.fixtures.planted_engine import PlantedEngine, Profile, save_profiles  # noqa: E402

SUBJECTS = ("The old captain", "My younger sister", "A quiet neighbour", "The village baker", "Our new teacher",
            "The tired farmer", "A careful driver", "The friendly doctor")
ACTIONS = ("carried the heavy basket across the market", "painted the wooden fence behind the barn",
           "walked along the river before the storm", "wrote a long letter to the city council",
           "opened the small window above the kitchen")


def sentences(n: int) -> list[str]:
    made = [f"{s} {a}." for a in ACTIONS for s in SUBJECTS]
    return made[:n]


def wait_settled(ws: Workspace, role: str, run_id: int, timeout: float) -> LongTextStatus:
    deadline = time.time() + timeout
    while time.time() < deadline:
        status = run_views.run_status(ws=ws, role=role, run_id=run_id)
        if status.settled:
            return status
        time.sleep(1.0)
    raise TimeoutError(f"long-text run {run_id} did not settle in {timeout:.0f} s")


def outcome(status: LongTextStatus, truth: dict) -> dict:
    part = status.parts[0]
    chosen = [next(t for t in s.tries if t.chosen) for s in part.sentences]
    clean = [truth[(s.text, t.seed)] is None for s, t in zip(part.sentences, chosen)]
    heard = [s.needs_listening for s in part.sentences]
    return {"clean": sum(clean) / len(clean), "tries": sum(len(s.tries) for s in part.sentences) / len(clean),
            "needs_listening": sum(heard), "sentences": len(clean),
            "missed": sum(not c and not h for c, h in zip(clean, heard))}


def main(n: int = 40, fail_rate: float = 0.3, max_tries: int = 4) -> None:
    with tempfile.TemporaryDirectory(prefix="ras-autopilot-") as tmp:
        tmp = Path(tmp)
        ws = Workspace(tmp / "roles")
        role = roles.create_role(ws=ws, category="基准", name="自动")
        make_ref_wav(tmp / "ref.wav", REF_TEXT, voice="en+m3", speed=130)
        (tmp / "ref.list").write_text(f"{tmp / 'ref.wav'}|spk|en|{REF_TEXT}", encoding="utf-8")
        importer.import_list(ws=ws, role=role, list_path=tmp / "ref.list")
        profiles = save_profiles(tmp / "profiles.json", {"default": Profile(fail_rate=fail_rate)})
        engine = PlantedEngine(profiles)
        analyzer = Analyzer(ws)
        runner = Runner(ws, lambda: [engine], on_result=analyzer.submit)
        runner.add_result_listener(lambda r, job_id: long_text.after_result(ws, r, job_id))
        analyzer.add_listener(lambda r, job_id: long_text.after_analysis(ws, runner, r, job_id))
        try:
            text_id = texts.add_text(ws=ws, content="A short line to pick a configuration.", lang="en")
            task = create_task(ws=ws, role=role, spec={"clip_ids": [1], "text_ids": [text_id],
                                                       "base": {"seed": 5, "text_split_method": "cut4"}})
            runner.run_task(role, task.task_id)
            source = None
            while source is None:
                time.sleep(0.5)
                source = next(iter(long_text.top_results(ws=ws, role=role, task_id=task.task_id, n=1)), None)
            text = " ".join(sentences(n))
            started = time.monotonic()
            runs = {}
            for label, tries in (("autopilot", max_tries), ("single", 1)):
                run = long_text.start_long_text(ws=ws, role=role, result_ids=[source], text=text, text_lang="en",
                                                options={"max_tries": tries})
                runner.run_task(role, run.task_id)
                runs[label] = run.run_id
            results = {label: wait_settled(ws, role, run_id, timeout=60 * n) for label, run_id in runs.items()}
            truth = {(t["text"], t["seed"]): t["planted"] for t in engine.takes}
            auto, single = outcome(results["autopilot"], truth), outcome(results["single"], truth)
            for sentence in results["autopilot"].parts[0].sentences:
                if len(sentence.tries) > 1 or sentence.needs_listening:
                    print(f"sentence {sentence.index:>2}: " + "; ".join(
                        f"{truth[(sentence.text, t.seed)] or 'clean'}{' (chosen)' if t.chosen else ''}"
                        f" -> {','.join(t.reasons) or 'pass'}" for t in sentence.tries))
            print(f"{'':<10} {'clean':>6} {'tries/sentence':>15} {'need listening':>15} {'bad, not marked':>16}")
            for label, row in (("autopilot", auto), ("single", single)):
                print(f"{label:<10} {row['clean']:>6.1%} {row['tries']:>15.2f} {row['needs_listening']:>15} "
                      f"{row['missed']:>16}")
            print(f"{len(engine.takes) - 1} takes in {time.monotonic() - started:.0f} s "
                  f"(fail rate {fail_rate:.0%}, max_tries {max_tries}, {os.cpu_count()} CPUs)")
            print(f"autopilot: clean {auto['clean']:.1%} (single take {single['clean']:.1%}) at "
                  f"{auto['tries']:.2f} tries per sentence; {auto['needs_listening']} of {auto['sentences']} "
                  f"need listening")
        finally:
            runner.shutdown()
            analyzer.shutdown()
            ws.close()


if __name__ == "__main__":
    args = sys.argv[1:]
    main(int(args[0]) if args else 40, float(args[1]) if len(args) > 1 else 0.3,
         int(args[2]) if len(args) > 2 else 4)
