"""Screening cost per clip: the finder's own audio measures (with its frame SNR) against DNSMOS
of the clip itself, on the same espeak clips, side by side in one run.

Screening must stay under 100 ms per clip without ASR (a 1000-clip role screens in under
two minutes), so a noise check only joins screening if it fits that.
Usage: python benchmarks/screening_cost.py [clips] (default 24; clips of 3-8 s)
Last line: `screening_cost: measures M ms/clip, DNSMOS D ms/clip (limit 100 ms/clip)`.
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ras.audio.load import load_mono, resample
from ras.finder.screen import measure_audio
from ras.metrics.dnsmos import SR as DNSMOS_SR
from ras.metrics.dnsmos import dnsmos_scores
from tests.fixtures.finder_role import build_finder_role

LIMIT_MS = 100


def per_clip_ms(fn, clips) -> float:
    started = time.perf_counter()
    for samples, sr in clips:
        fn(samples, sr)
    return (time.perf_counter() - started) * 1000 / len(clips)


def main(count: int = 24) -> None:
    folder = Path(tempfile.mkdtemp(prefix="screening_cost_"))
    kinds = (["good"] * 3 + ["noisy", "clipped"]) * (count // 5 + 1)
    role = build_finder_role(folder, kinds[:count])
    clips = [load_mono(path) for path in sorted(folder.glob("clip*.wav"))]
    seconds = [len(s) / sr for s, sr in clips]
    dnsmos_scores(resample(*clips[0], DNSMOS_SR))  # the model loads once per process: not a clip's cost
    measures, dnsmos = [], []
    for _ in range(3):  # alternate, so both see the same load on a shared machine
        measures.append(per_clip_ms(measure_audio, clips))
        dnsmos.append(per_clip_ms(lambda s, sr: dnsmos_scores(resample(s, sr, DNSMOS_SR)), clips))
    print(f"clips: {len(clips)} ({min(seconds):.1f}-{max(seconds):.1f} s), list {role.list_path.name}")
    print(f"measures (frame SNR, clipping, pauses, speech span): {[round(m, 1) for m in measures]} ms/clip")
    print(f"DNSMOS of the clip (one tiled 9-s window):           {[round(d, 1) for d in dnsmos]} ms/clip")
    print(f"screening_cost: measures {statistics.median(measures):.1f} ms/clip, DNSMOS "
          f"{statistics.median(dnsmos):.0f} ms/clip (limit {LIMIT_MS} ms/clip)")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:2]))
