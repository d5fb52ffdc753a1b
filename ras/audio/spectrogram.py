"""Spectrogram and waveform PNGs rendered with numpy + a colour lookup table (no figure library).

Every spectrogram has the same height so results line up in the evaluate
tab; width grows with duration (PX_PER_SECOND, capped at MAX_WIDTH) so equal
times sit at equal x across results. Rows are mel-spaced up to 8 kHz, where
speech, breaths and TTS artifacts live; levels are dB, 80 dB below the
loudest bin. A strip under the image carries a tick and label per second.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from ras.audio.files import atomic_target
from ras.audio.levels import hz_to_mel, mel_to_hz
from ras.audio.load import load_mono

HEIGHT = 160
AXIS_HEIGHT = 14
SPEC_HEIGHT = HEIGHT - AXIS_HEIGHT
PX_PER_SECOND = 100
MAX_WIDTH = 3000  # 30 s at full resolution; longer clips are squeezed to fit
MIN_WIDTH = 60
MAX_FREQ_HZ = 8000.0
DYNAMIC_RANGE_DB = 80.0
QUIET_TOP_DB = -50.0  # a near-silent file is not stretched to full brightness
WINDOW_SECONDS = 0.025
AXIS_BG = (24, 24, 32)
AXIS_FG = (200, 200, 210)
# Anchor colours of matplotlib's "magma" at 0, 1/8, ..., 1 (interpolated to 256 entries).
MAGMA_ANCHORS = [
    (0, 0, 4), (28, 16, 68), (79, 18, 123), (129, 37, 129), (181, 54, 122),
    (229, 80, 100), (251, 135, 97), (254, 194, 135), (252, 253, 191),
]


SPEC_COLOURS = 254  # palette entries 0-253: magma-like ramp; 254, 255: axis background, foreground
AXIS_BG_INDEX, AXIS_FG_INDEX = 254, 255
MARK_LIFT = 70  # second marks: a brighter entry of the same ramp


@lru_cache(maxsize=1)
def colour_table() -> np.ndarray:
    """(256, 3) uint8 palette, built once: a magma-like ramp, then the two axis colours.

    A palette PNG stores one byte per pixel, so encoding costs a third of RGB.
    """
    anchors = np.array(MAGMA_ANCHORS, dtype=np.float64)
    positions = np.linspace(0, SPEC_COLOURS - 1, len(anchors))
    levels = np.arange(SPEC_COLOURS)
    ramp = np.stack([np.interp(levels, positions, anchors[:, c]) for c in range(3)], axis=1)
    return np.vstack([ramp, [AXIS_BG, AXIS_FG]]).round().astype(np.uint8)


def spectrogram_path_for(wav_path: str | Path) -> Path:
    """The cached PNG next to the wav: same name, .png."""
    return Path(wav_path).with_suffix(".png")


def image_width(duration: float) -> int:
    return int(min(MAX_WIDTH, max(MIN_WIDTH, round(duration * PX_PER_SECOND))))


@lru_cache(maxsize=8)
def row_bands(sr: int, n_fft: int, rows: int) -> tuple[np.ndarray, int, np.ndarray]:
    """Mel-spaced FFT-bin bands for the pixel rows, lowest first: (first bins, end bin, bins per band).

    Low frequencies get more rows; a band narrower than a bin shows one bin.
    """
    top_hz = min(MAX_FREQ_HZ, sr / 2)
    edges_hz = mel_to_hz(np.linspace(0.0, hz_to_mel(top_hz), rows + 1))
    edges_bin = np.minimum(np.ceil(edges_hz * n_fft / sr).astype(np.int64), n_fft // 2 + 1)
    starts, end = edges_bin[:-1], int(max(edges_bin[-1], edges_bin[-2] + 1))
    counts = np.maximum(np.diff(np.append(starts, end)), 1).astype(np.float32)
    return starts, end, counts


def pool_rows(power: np.ndarray, sr: int, n_fft: int, rows: int) -> np.ndarray:
    """(width, rows) mean power per band, highest band first (the top of the image)."""
    starts, end, counts = row_bands(sr, n_fft, rows)
    sums = np.add.reduceat(power[:, :end], starts, axis=1)  # equal starts give that single bin
    return (sums / counts)[:, ::-1]


def power_columns(samples: np.ndarray, sr: int, width: int) -> tuple[np.ndarray, int]:
    """(width, bins) power spectrum: one STFT frame per pixel column, at a whole-sample hop."""
    from scipy.fft import rfft  # float32 in, complex64 out: half the work of numpy's float64 FFT

    n_fft = 1 << int(np.round(np.log2(max(64, WINDOW_SECONDS * sr))))
    hop = max(1, int(round(len(samples) / width)))
    # centre frame k on sample k*hop + hop/2; pad so every frame, even past a rounded end, exists
    padded = np.zeros(n_fft + hop * width, dtype=np.float32)
    offset = n_fft // 2 - hop // 2
    if offset >= 0:
        padded[offset: offset + len(samples)] = samples[: len(padded) - offset]
    else:  # a long clip: columns lie further apart than a window, so the first one starts inside it
        kept = samples[-offset:][: len(padded)]
        padded[: len(kept)] = kept
    frames = np.lib.stride_tricks.as_strided(padded, shape=(width, n_fft), strides=(4 * hop, 4), writeable=False)
    spectrum = rfft(frames * hann_window(n_fft), axis=1)
    power = np.square(spectrum.real) + np.square(spectrum.imag)
    return power, n_fft


@lru_cache(maxsize=8)
def hann_window(n: int) -> np.ndarray:
    window = np.hanning(n).astype(np.float32)
    return window * np.float32(2.0 / window.sum())  # a full-scale sine peaks near 0 dB


def spectrogram_indices(samples: np.ndarray, sr: int) -> np.ndarray:
    """(SPEC_HEIGHT, width) uint8 palette indices (0 = quietest) of the clip."""
    width = image_width(len(samples) / sr)
    if len(samples) == 0:
        return np.zeros((SPEC_HEIGHT, width), dtype=np.uint8)
    power, n_fft = power_columns(samples, sr, width)
    db = 10.0 * np.log10(np.maximum(pool_rows(power, sr, n_fft, SPEC_HEIGHT), np.float32(1e-12)))
    top = max(float(db.max()), QUIET_TOP_DB)
    scale = np.float32((SPEC_COLOURS - 1) / DYNAMIC_RANGE_DB)
    indices = np.clip((db - np.float32(top - DYNAMIC_RANGE_DB)) * scale, 0, SPEC_COLOURS - 1)
    return np.ascontiguousarray(indices.astype(np.uint8).T)


def tick_step(px_per_second: float) -> int:
    """Seconds between labelled ticks, so labels (about 22 px wide) never overlap."""
    for step in (1, 2, 5, 10, 30, 60):
        if step * px_per_second >= 24:
            return step
    return 120


@lru_cache(maxsize=256)
def label_glyph(text: str) -> np.ndarray:
    """A label as a boolean bitmap, drawn once with Pillow's built-in font and reused."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default()
    left, top, right, bottom = font.getbbox(text)
    canvas = Image.new("L", (right, min(bottom, AXIS_HEIGHT - 2)), 0)
    ImageDraw.Draw(canvas).text((0, 0), text, fill=255, font=font)
    return np.asarray(canvas) > 96


def time_axis(width: int, duration: float, *, rgb: bool = False) -> np.ndarray:
    """(AXIS_HEIGHT, width) palette strip (or RGB): a tick every second, a label every tick_step seconds."""
    strip = np.full((AXIS_HEIGHT, width), AXIS_BG_INDEX, dtype=np.uint8)
    px_per_second = width / duration if duration > 0 else PX_PER_SECOND
    step = tick_step(px_per_second)
    for second in range(0, int(duration) + 1):
        x = min(width - 1, int(round(second * px_per_second)))
        labelled = second % step == 0
        strip[: 6 if labelled else 3, x] = AXIS_FG_INDEX
        if labelled and second > 0:
            glyph = label_glyph(f"{second}s")
            h, w = glyph.shape
            if x + 2 + w <= width:
                strip[2: 2 + h, x + 2: x + 2 + w][glyph] = AXIS_FG_INDEX
    return colour_table()[strip] if rgb else strip


def second_marks(image: np.ndarray, duration: float) -> None:
    """Faint dotted vertical lines each second over the spectrogram, to read positions at a glance."""
    width = image.shape[1]
    px_per_second = width / duration if duration > 0 else PX_PER_SECOND
    for second in range(1, int(duration) + 1):
        x = int(round(second * px_per_second))
        if x < width:
            image[::4, x] = np.minimum(image[::4, x].astype(np.int16) + MARK_LIFT, SPEC_COLOURS - 1)


def save_png_atomic(pixels: np.ndarray, png_path: Path) -> Path:
    """Writes a palette (2-D indices) or RGB image to a temp name, then renames: no reader sees half a PNG."""
    from PIL import Image

    png_path = Path(png_path)
    png_path.parent.mkdir(parents=True, exist_ok=True)
    if pixels.ndim == 2:
        image = Image.frombytes("P", (pixels.shape[1], pixels.shape[0]), np.ascontiguousarray(pixels).tobytes())
        image.putpalette(colour_table().ravel().tolist())
    else:
        image = Image.fromarray(pixels, "RGB")
    with atomic_target(png_path) as temp:
        image.save(temp, format="PNG", compress_level=1)
    return png_path


def render_spectrogram_image(samples: np.ndarray, sr: int) -> np.ndarray:
    """(HEIGHT, width) uint8 palette indices (see colour_table): spectrogram, second marks, time axis."""
    samples = np.asarray(samples, dtype=np.float32)
    duration = len(samples) / sr
    spec = spectrogram_indices(samples, sr)
    second_marks(spec, duration)
    return np.concatenate([spec, time_axis(spec.shape[1], duration)], axis=0)


def is_fresh(png_path: Path, wav_path: Path) -> bool:
    return png_path.exists() and png_path.stat().st_mtime >= Path(wav_path).stat().st_mtime


def render_spectrogram(wav_path: str | Path, png_path: str | Path | None = None, *, force: bool = False,
                       audio: tuple[np.ndarray, int] | None = None) -> Path:
    """Renders the wav's spectrogram to png_path (default: spectrogram_path_for) unless a newer PNG exists.

    audio: the file's (mono samples, rate) when the caller has already decoded it for other work.
    """
    png_path = Path(png_path) if png_path else spectrogram_path_for(wav_path)
    if not force and is_fresh(png_path, Path(wav_path)):
        return png_path
    if audio is None:
        audio = load_mono(wav_path)
    samples, sr = audio
    return save_png_atomic(render_spectrogram_image(samples, sr), png_path)


def waveform_rgb(samples: np.ndarray, sr: int, cuts, width: int, height: int) -> np.ndarray:
    """Min/max envelope per column, centre line, and a red line at each cut (seconds)."""
    samples = np.asarray(samples, dtype=np.float32).reshape(-1)
    image = np.full((height, width, 3), AXIS_BG, dtype=np.uint8)
    mid = height // 2
    image[mid, :] = (70, 70, 90)
    if len(samples):
        edges = np.linspace(0, len(samples), width + 1).astype(np.int64)
        edges[-1] = len(samples)
        peak = max(float(np.abs(samples).max()), 1e-6)
        for x in range(width):
            chunk = samples[edges[x]: max(edges[x + 1], edges[x] + 1)]
            top = mid - int(chunk.max() / peak * (mid - 1))
            bottom = mid - int(chunk.min() / peak * (mid - 1))
            image[top: bottom + 1, x] = (110, 180, 240)
    duration = len(samples) / sr if sr else 0.0
    for cut in cuts or ():
        if duration > 0 and 0 <= cut <= duration:
            x = min(width - 1, int(round(cut / duration * width)))
            image[:, max(0, x - 1): x + 1] = (240, 70, 60)
    return image


def render_waveform_with_cuts(samples: np.ndarray, sr: int, cuts, png_path: str | Path, *,
                              height: int = 120) -> Path:
    """Waveform PNG (same px/second as spectrograms, plus time axis) with vertical lines at cut times."""
    duration = len(samples) / sr if sr else 0.0
    width = image_width(duration)
    wave = waveform_rgb(samples, sr, sorted(cuts or ()), width, height - AXIS_HEIGHT)
    return save_png_atomic(np.concatenate([wave, time_axis(width, duration, rgb=True)], axis=0), Path(png_path))
