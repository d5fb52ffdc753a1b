"""Pre-ranking evidence: how well the auto score sinks planted defects.

Builds a corpus of espeak clips (a third with planted defects, 8 types),
analyses each with ras.metrics.analyze_audio (no reference, no ASR), sorts by
auto score and reports, per defect type, the share that lands in the bottom
third (recall) and how often the type's own flag is raised; then the
bottom-third precision. Usage: python benchmarks/prerank.py [n_clips] [seed]
Last line: `prerank: bottom-third precision P, recall R on N clips (D defective)`.
"""
from __future__ import annotations

import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ras.metrics import analyze_audio  # noqa: E402
from tests.ras.metrics.defects import DEFECT_TYPES, build_corpus  # noqa: E402

EXPECTED_FLAG = {
    "silence": "long_pause", "repeat": "repeat", "noise": "noise", "electronic": "held_tone",
    "tone": "held_tone", "truncated": "truncated", "speedup": "too_fast", "clipping": "clipped", "breath": "breath",
}


def analyse(corpus: list[dict]) -> list[dict]:
    rows = []
    for clip in corpus:
        result = analyze_audio(clip["path"], clip["text"], clip["lang"])
        rows.append({"defect": clip["defect"], "score": result["auto_score"], "flags": result["flags"]})
    rows.sort(key=lambda row: row["score"])
    return rows


def report(rows: list[dict]) -> None:
    cut = len(rows) // 3
    bottom = rows[:cut]
    by_type = defaultdict(list)
    for rank, row in enumerate(rows):
        by_type[row["defect"]].append((rank < cut, EXPECTED_FLAG.get(row["defect"]) in row["flags"]))
    print(f"{'defect':<11} {'n':>3} {'recall(bottom third)':>21} {'own flag':>9} {'flag precision':>15}")
    for defect in DEFECT_TYPES:
        hits = by_type.get(defect, [])
        flag = EXPECTED_FLAG[defect]
        flagged = [row for row in rows if flag in row["flags"]]
        flag_precision = sum(row["defect"] is not None for row in flagged) / len(flagged) if flagged else float("nan")
        print(f"{defect:<11} {len(hits):>3} {sum(b for b, _ in hits) / len(hits):>21.2f} "
              f"{sum(f for _, f in hits) / len(hits):>9.2f} {flag_precision:>15.2f}")
    clean = by_type.get(None, [])
    clean_flagged = sum(1 for row in rows if row["defect"] is None and row["flags"])
    print(f"{'clean':<11} {len(clean):>3} {'in bottom third: ' + str(sum(b for b, _ in clean)):>21} "
          f"{'flagged: ' + str(clean_flagged):>9}")
    defective = sum(row["defect"] is not None for row in rows)
    precision = sum(row["defect"] is not None for row in bottom) / len(bottom)
    recall = sum(row["defect"] is not None for row in bottom) / defective
    worst_clean = min(row["score"] for row in rows if row["defect"] is None)
    best_defect = max(row["score"] for row in rows if row["defect"] is not None)
    print(f"lowest clean score {worst_clean:.1f}, highest defective score {best_defect:.1f}")
    print(f"prerank: bottom-third precision {precision:.2f}, recall {recall:.2f} on {len(rows)} clips "
          f"({defective} defective)")


def main() -> None:
    n_clips = int(sys.argv[1]) if len(sys.argv) > 1 else 96
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 11
    with tempfile.TemporaryDirectory() as tmp:
        report(analyse(build_corpus(Path(tmp), n_clips=n_clips, seed=seed)))


if __name__ == "__main__":
    main()
