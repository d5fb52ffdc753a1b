"""Plants known defects into clean espeak speech, for the pre-ranking evidence test and benchmarks.

Each planter takes (samples float32 mono, sr, rng) and returns new samples.
`build_corpus` writes a varied set of clean and defective clips and returns
their descriptions; defect types cycle so every type is represented.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from tests.fixtures.audio import cached_espeak, read_wav, write_wav

TEXTS = [
    "The quick brown fox jumps over the lazy dog beside a quiet river.",
    "Please remember to close every window before you leave tonight.",
    "Our train departs at seven, so we should pack our bags early.",
    "A gentle breeze carried the smell of fresh bread across town.",
    "She painted the old fence bright yellow during the summer holiday.",
    "Reading maps was difficult until the new phone arrived last week.",
    "Mountains covered with snow looked golden in the evening light.",
    "Every student must finish the chemistry report before Friday.",
    "He opened a small bakery near the harbour with his brother.",
    "Thunder rolled over the valley while children played inside.",
    "Fresh coffee and warm toast make a simple but happy breakfast.",
    "The museum shows ancient pottery found under a farmer's field.",
    "Could you tell me which platform serves the northern line?",
    "Bright stars filled the sky after the storm finally passed.",
    "Musicians tuned their violins as the audience took their seats.",
    "Our garden grows tomatoes, beans and sweet purple carrots.",
    "The library closes early on Sundays during the winter months.",
    "A curious cat climbed onto the roof to watch passing birds.",
    "Engineers tested the bridge with heavy trucks for two days.",
    "Soft rain tapped against the glass as she wrote her letter.",
    "Volunteers planted hundreds of trees along the empty highway.",
    "My grandmother keeps her recipes in a worn leather notebook.",
    "The pilot announced a short delay because of strong winds.",
    "Fishermen returned at dawn with nets full of silver herring.",
]
VOICES = ["en+m3", "en+f2", "en-us+m7", "en+f4", "en+m1", "en-gb+f3", "en-us+m2", "en+f5"]
DEFECT_TYPES = ["silence", "repeat", "noise", "electronic", "tone", "truncated", "speedup", "clipping", "breath"]


def speech_bounds(samples: np.ndarray, sr: int) -> tuple[int, int]:
    """First and last sample of audible speech (10 ms frames above -45 dBFS)."""
    hop = sr // 100
    n = len(samples) // hop
    frames = samples[: n * hop].reshape(n, hop)
    loud = np.flatnonzero(20 * np.log10(np.sqrt((frames ** 2).mean(axis=1)) + 1e-9) > -45)
    if len(loud) == 0:
        return 0, len(samples)
    return int(loud[0] * hop), int((loud[-1] + 1) * hop)


def point_in_speech(samples, sr, rng, low=0.3, high=0.7) -> int:
    start, stop = speech_bounds(samples, sr)
    return int(start + rng.uniform(low, high) * (stop - start))


def plant_silence(samples, sr, rng):
    at = point_in_speech(samples, sr, rng)
    gap = np.zeros(int(rng.uniform(1.3, 2.5) * sr), dtype=np.float32)
    return np.concatenate([samples[:at], gap, samples[at:]])


def plant_repeat(samples, sr, rng):
    """A stretch of speech played twice in a row, like a TTS loop."""
    at = point_in_speech(samples, sr, rng, 0.15, 0.5)
    length = int(rng.uniform(0.8, 1.4) * sr)
    segment = samples[at: at + length]
    return np.concatenate([samples[: at + length], segment, samples[at + length:]])


def speech_rms(samples, sr) -> float:
    start, stop = speech_bounds(samples, sr)
    return float(np.sqrt(np.mean(samples[start:stop] ** 2)))


def plant_noise(samples, sr, rng):
    """One or two white-noise bursts added over the clip."""
    out = samples.copy()
    level = speech_rms(samples, sr)
    for _ in range(int(rng.integers(1, 3))):
        length = int(rng.uniform(0.35, 0.8) * sr)
        at = int(rng.uniform(0.1, 0.8) * max(1, len(out) - length))
        out[at: at + length] += rng.standard_normal(length).astype(np.float32) * level * rng.uniform(0.5, 1.0)
    return out


def buzz(seconds, sr, rng):
    """An 'electronic' buzz: a stationary harmonic stack at a fixed pitch."""
    t = np.arange(int(seconds * sr)) / sr
    f0 = rng.uniform(90, 260)
    wave = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, 12) if f0 * k < sr / 2)
    return (wave / np.max(np.abs(wave))).astype(np.float32)


def insert_at_point(samples, sr, rng, insert):
    at = point_in_speech(samples, sr, rng, 0.2, 0.9)
    return np.concatenate([samples[:at], insert.astype(np.float32), samples[at:]])


def plant_electronic(samples, sr, rng):
    peak = float(np.max(np.abs(samples)))
    return insert_at_point(samples, sr, rng, buzz(rng.uniform(0.6, 1.4), sr, rng) * peak * 0.5)


def plant_tone(samples, sr, rng):
    """A held pure tone, the cleanest case of a TTS 'electronic' sound."""
    t = np.arange(int(rng.uniform(0.6, 1.4) * sr)) / sr
    peak = float(np.max(np.abs(samples)))
    tone = np.sin(2 * np.pi * rng.uniform(300, 2500) * t) * peak * 0.5
    return insert_at_point(samples, sr, rng, tone)


def plant_truncated(samples, sr, rng):
    """Ends mid-word: cut inside a loud stretch, no fade."""
    start, stop = speech_bounds(samples, sr)
    hop = sr // 100
    for _ in range(50):
        cut = int(start + rng.uniform(0.55, 0.85) * (stop - start))
        if np.sqrt(np.mean(samples[cut - hop: cut] ** 2)) > 0.3 * speech_rms(samples, sr):
            return samples[:cut]
    return samples[:cut]


def plant_speedup(samples, sr, rng):
    """Tempo x1.6-1.9 with pitch kept (sox tempo), like a too-high speed setting."""
    sox = shutil.which("sox")
    if sox is None:
        raise RuntimeError("sox is not installed: apt-get install -y sox (needed for the speed-up defect)")
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "in.wav", Path(tmp) / "out.wav"
        write_wav(src, samples, sr)
        subprocess.run([sox, str(src), str(dst), "tempo", "-s", f"{rng.uniform(1.6, 1.9):.2f}"], check=True)
        return read_wav(dst)[0]


def plant_breath(samples, sr, rng):
    """An audible in-breath before speech: band-passed noise 14-26 dB under the speech, 0.35-0.6 s."""
    from scipy.signal import butter, sosfilt

    n = int(rng.uniform(0.35, 0.6) * sr)
    low, high = rng.uniform(200, 600), rng.uniform(2500, 5000)
    noise = sosfilt(butter(2, [low, high], btype="band", fs=sr, output="sos"), rng.standard_normal(n))
    noise *= np.sin(np.linspace(0, np.pi, n)) ** 1.5  # swells and fades like air
    level = speech_rms(samples, sr) * 10 ** (-rng.uniform(14, 26) / 20)
    noise = (noise / np.sqrt(np.mean(noise ** 2)) * level).astype(np.float32)
    start, _ = speech_bounds(samples, sr)
    gap = np.zeros(int(0.1 * sr), np.float32)
    return np.concatenate([samples[:start], noise, gap, samples[start:]])


def plant_clipping(samples, sr, rng):
    """Overdriven then sometimes scaled down, so the flat tops sit below full scale."""
    clipped = np.clip(samples / np.max(np.abs(samples)) * rng.uniform(3.0, 6.0), -1.0, 1.0)
    return clipped * (0.9 if rng.random() < 0.5 else 1.0)


PLANTERS = {
    "silence": plant_silence, "repeat": plant_repeat, "noise": plant_noise, "electronic": plant_electronic,
    "tone": plant_tone, "truncated": plant_truncated, "speedup": plant_speedup, "clipping": plant_clipping,
    "breath": plant_breath,
}


def clip_recipe(index: int, rng) -> dict:
    return {
        "text": TEXTS[index % len(TEXTS)],
        "voice": VOICES[int(rng.integers(len(VOICES)))],
        "speed": int(rng.integers(135, 176)),
        "pitch": int(rng.integers(35, 66)),
    }


def build_corpus(out_dir: Path, n_clips: int = 60, defective_share: float = 1 / 3, seed: int = 7) -> list[dict]:
    """Writes n_clips wavs (the first share defective, types cycling) and returns their descriptions.

    Reuses out_dir/corpus.json when it was built with the same arguments.
    """
    out_dir = Path(out_dir)
    manifest = out_dir / "corpus.json"
    key = {"n_clips": n_clips, "defective_share": defective_share, "seed": seed, "defects": DEFECT_TYPES}
    if manifest.exists():
        saved = json.loads(manifest.read_text())
        if saved["key"] == key and all(Path(c["path"]).exists() for c in saved["clips"]):
            return saved["clips"]
    rng = np.random.default_rng(seed)
    n_defective = int(round(n_clips * defective_share))
    clips = []
    for i in range(n_clips):
        recipe = clip_recipe(i, rng)
        source = cached_espeak(out_dir / "clean", recipe["text"], recipe["voice"], recipe["speed"], recipe["pitch"])
        samples, sr = read_wav(source)
        defect = DEFECT_TYPES[i % len(DEFECT_TYPES)] if i < n_defective else None
        if defect:
            samples = PLANTERS[defect](samples, sr, rng)
        path = write_wav(out_dir / f"clip_{i:03d}_{defect or 'clean'}.wav", samples, sr)
        clips.append({"path": str(path), "text": recipe["text"], "lang": "en", "defect": defect, **recipe})
    manifest.write_text(json.dumps({"key": key, "clips": clips}, indent=1))
    return clips
