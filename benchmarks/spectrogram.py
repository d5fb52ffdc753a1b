"""Spectrogram rendering: RAS's numpy + colour-table renderer vs a matplotlib specgram figure.

Both render the same generated 10-s clips to PNG files of the same pixel
size (1000 x 160) in one run. Usage: python benchmarks/spectrogram.py [n_clips]
Last line: `spectrogram: ours X ms/clip, matplotlib Y ms/clip, ratio R` (target R >= 10).
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ras.audio import spectrogram  # noqa: E402
from tests.fixtures.audio import read_wav, synthesize, write_wav  # noqa: E402
from tests.ras.metrics.defects import TEXTS, VOICES  # noqa: E402

CLIP_SECONDS = 10.0


def ten_second_clips(folder: Path, count: int) -> list[Path]:
    """espeak speech, sentences joined until 10 s, then cut to exactly 10 s."""
    paths = []
    for i in range(count):
        pieces, sr, total = [], 22050, 0
        j = 0
        while total < CLIP_SECONDS * sr:
            part = synthesize(TEXTS[(i * 3 + j) % len(TEXTS)], folder / f"part_{i}_{j}.wav",
                              voice=VOICES[i % len(VOICES)])
            samples, sr = read_wav(part)
            pieces.append(samples)
            total += len(samples)
            j += 1
        clip = np.concatenate(pieces)[: int(CLIP_SECONDS * sr)]
        paths.append(write_wav(folder / f"clip_{i}.wav", clip, sr))
    return paths


def render_ours(wav: Path, png: Path) -> None:
    spectrogram.render_spectrogram(wav, png, force=True)


def render_matplotlib(wav: Path, png: Path) -> None:
    """What a figure-library renderer does per result: new figure, specgram, save, close."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    samples, sr = read_wav(wav)
    width = spectrogram.image_width(len(samples) / sr)
    fig = plt.figure(figsize=(width / 100, spectrogram.HEIGHT / 100), dpi=100)
    ax = fig.add_axes([0, 0, 1, 1])
    n_fft = 1 << int(np.round(np.log2(spectrogram.WINDOW_SECONDS * sr)))  # the same window as ours
    with np.errstate(divide="ignore"):  # digital silence gives log10(0) inside specgram
        ax.specgram(samples, NFFT=n_fft, Fs=sr, noverlap=n_fft - sr // 100, cmap="magma")
    ax.set_ylim(0, 8000)
    ax.set_axis_off()
    fig.savefig(png, dpi=100, format="png")
    plt.close(fig)


ROUNDS = 3


def mean_ms(render, wavs: list[Path], out: Path, tag: str) -> float:
    """Mean ms per clip over all clips, best of ROUNDS rounds (the machine is shared: the best round
    is the one least disturbed by other processes, for both renderers alike)."""
    render(wavs[0], out / f"warm_{tag}.png")  # first-call imports and caches are not per-clip cost
    rounds = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for i, wav in enumerate(wavs):
            render(wav, out / f"{tag}_{i}.png")
        rounds.append((time.perf_counter() - start) * 1000 / len(wavs))
    return min(rounds)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        wavs = ten_second_clips(folder, count)
        ours = mean_ms(render_ours, wavs, folder, "ours")
        theirs = mean_ms(render_matplotlib, wavs, folder, "mpl")
        from PIL import Image

        print(f"image size: ours {Image.open(folder / 'ours_0.png').size}, "
              f"matplotlib {Image.open(folder / 'mpl_0.png').size}")
    print(f"spectrogram: ours {ours:.1f} ms/clip, matplotlib {theirs:.1f} ms/clip, ratio {theirs / ours:.1f}")


if __name__ == "__main__":
    main()
