"""Classify at role scale: embedding speed and clustering time on 1,000 clips.

    .venv/bin/python benchmarks/classify.py [--clips 1000] [--cache-dir DIR] [--compare]

Clips are ~3 s espeak-ng sentences in 10 voices (generated once into the
cache dir, reused afterwards). Prints the encoder warm-up, clips/s of the
batched embedding, the clustering time (group count + threshold + map +
representatives) and the purity against the true voices; the last line is
the headline. --compare also times resemblyzer's own one-clip-at-a-time path.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.fixtures.audio import synthesize

VOICES = ("en+f2", "en+m3", "en-us+m7", "en+f4", "en+klatt", "en-us+m1", "en+croak", "en+f3", "en-us+m4", "en+m6")
SUBJECTS = ("The old captain", "My little sister", "A tired farmer", "The new teacher", "Our friendly neighbour")
VERBS = ("carried", "painted", "found", "sold", "watched")
OBJECTS = ("a heavy basket", "the blue door", "seven bright stones", "a wooden boat", "the morning paper")
PLACES = ("near the harbour", "before dinner", "in the garden", "after the storm")


def sentence(number: int) -> str:
    """A distinct ~3-s sentence per number (5 x 5 x 5 x 4 = 500 combinations)."""
    return (
        f"{SUBJECTS[number % 5]} {VERBS[number // 5 % 5]} {OBJECTS[number // 25 % 5]} "
        f"{PLACES[number // 125 % 4]}."
    )


def generate_clips(count: int, folder: Path) -> tuple[list[Path], np.ndarray]:
    """`count` clips, voice i % 10; written only if missing."""
    folder.mkdir(parents=True, exist_ok=True)
    jobs = [(folder / f"clip_{i:04d}.wav", VOICES[i % len(VOICES)], sentence(i // len(VOICES) + i))
            for i in range(count)]
    missing = [job for job in jobs if not job[0].exists()]
    if missing:
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(lambda job: _speak(*job), missing))
        print(f"generated {len(missing)} clips in {time.perf_counter() - started:.1f} s -> {folder}")
    truth = np.array([i % len(VOICES) for i in range(count)])
    return [job[0] for job in jobs], truth


def _speak(out: Path, voice: str, text: str) -> None:
    partial = synthesize(text, out.with_suffix(".part.wav"), voice=voice, speed=175)
    partial.replace(out)


def time_embedding(paths: list[Path], batch: int) -> tuple[np.ndarray, float, float]:
    """(embeddings, warm-up seconds for load + first clip, clips/s of the batched run)."""
    import soundfile as sf

    from ras.metrics.speaker import load_encoder

    started = time.perf_counter()
    encoder = load_encoder()
    encoder.embed(*sf.read(str(paths[0]), dtype="float32"))  # numba/torch warm-up, once per process
    warm_up = time.perf_counter() - started
    started = time.perf_counter()
    embeddings = encoder.embed_files(paths, batch=batch)
    return embeddings, warm_up, len(paths) / (time.perf_counter() - started)


def time_per_clip_baseline(paths: list[Path]) -> float:
    """clips/s of resemblyzer's own path: preprocess_wav + embed_utterance per clip."""
    import soundfile as sf
    from resemblyzer import VoiceEncoder, preprocess_wav

    encoder = VoiceEncoder(device="cpu", verbose=False)
    started = time.perf_counter()
    for path in paths:
        samples, rate = sf.read(str(path), dtype="float32")
        encoder.embed_utterance(preprocess_wav(samples, source_sr=rate))
    return len(paths) / (time.perf_counter() - started)


def time_clustering(embeddings: np.ndarray, groups: int) -> tuple[float, np.ndarray]:
    from ras.classify import clustering

    started = time.perf_counter()
    labels = clustering.cluster(embeddings, n_groups=groups)
    clustering.cluster(embeddings, threshold=0.15)
    clustering.representatives(embeddings, labels)
    clustering.project_2d(embeddings)
    clustering.rank_similar(embeddings, 0)
    return time.perf_counter() - started, labels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clips", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--cache-dir", type=Path, default=Path(tempfile.gettempdir()) / "ras_bench_classify_clips")
    parser.add_argument("--compare", action="store_true", help="also time one-clip-at-a-time on 100 clips")
    args = parser.parse_args()

    from ras.classify.clustering import purity

    paths, truth = generate_clips(args.clips, args.cache_dir)
    embeddings, warm_up, clips_per_s = time_embedding(paths, args.batch)
    print(f"encoder load + first clip (warm-up): {warm_up:.1f} s")
    if args.compare:
        print(f"one clip at a time (resemblyzer embed_utterance): {time_per_clip_baseline(paths[:100]):.1f} clips/s")
    cluster_s, labels = time_clustering(embeddings, len(VOICES))
    print(f"purity of {len(VOICES)} groups vs the {len(VOICES)} espeak voices: {purity(labels, truth):.3f}")
    print(
        f"classify: embedding {clips_per_s:.1f} clips/s (target >= 10), "
        f"clustering {cluster_s:.2f} s (target <= 2 s) on {len(paths)} clips"
    )


if __name__ == "__main__":
    main()
