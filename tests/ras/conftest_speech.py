"""espeak-ng speech for the classify and split tests (generated once per machine).

Not a pytest conftest (tests/conftest.py belongs to others): test modules
import the helpers and wrap them in their own fixtures. The files land in a
fixed temp folder keyed by the voices and sentences, so every test module and
every run reuses them.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

# Three clearly different speakers: two male espeak variants would sit too close to tell apart.
VOICES = ("en+f2", "en+m3", "en-us+m7")

SENTENCES = (
    "The quick brown fox jumps over the lazy dog near the quiet river bank.",
    "Please remember to bring your umbrella because it may rain this afternoon.",
    "Our train leaves the central station at seven thirty every single morning.",
    "She opened the old wooden box and found a letter from her grandmother.",
    "Numbers like forty two and one hundred are easy to say out loud.",
    "The museum will be closed on Monday for the annual cleaning of its halls.",
)

PAUSE_SENTENCES = (
    "First we walk along the beach and look at the ships.",
    "Then we climb the green hill behind the little village.",
    "Finally we eat dinner together in the warm kitchen.",
)


def tools_available() -> bool:
    return shutil.which("espeak-ng") is not None and shutil.which("sox") is not None


def speech_dir() -> Path:
    key = hashlib.sha1(repr((VOICES, SENTENCES, PAUSE_SENTENCES, 3)).encode()).hexdigest()[:10]
    folder = Path(tempfile.gettempdir()) / f"ras_test_speech_{key}"
    folder.mkdir(exist_ok=True)
    return folder


def speak(text: str, voice: str, out: Path, *, speed: int = 150) -> Path:
    """One espeak-ng utterance; written to a temp name first (parallel test runs)."""
    if not out.exists():
        partial = out.with_suffix(".part.wav")
        subprocess.run(
            ["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(partial), text],
            check=True,
            capture_output=True,
        )
        partial.replace(out)
    return out


def voice_clips() -> dict[str, list[Path]]:
    """{voice: [clip paths]}: every sentence in every voice, ~3-4 s each."""
    folder = speech_dir()
    return {
        voice: [
            speak(text, voice, folder / f"{voice.replace('+', '_')}_{i}.wav")
            for i, text in enumerate(SENTENCES)
        ]
        for voice in VOICES
    }


def paused_clip(pause_s: float = 0.7) -> tuple[Path, list[tuple[float, float]]]:
    """Three utterances joined by `pause_s` of silence, and the pauses' (start, end)."""
    import soundfile as sf

    folder = speech_dir()
    out = folder / f"three_utterances_{int(pause_s * 1000)}ms.wav"
    parts = [speak(t, "en+m3", folder / f"pause_part_{i}.wav") for i, t in enumerate(PAUSE_SENTENCES)]
    audio = [sf.read(str(p), dtype="float32") for p in parts]
    rate = audio[0][1]
    # espeak pads its output with silence: trim it so the pauses are exactly pause_s.
    audio = [(_trim_silence(samples), r) for samples, r in audio]
    silence = np.zeros(int(round(pause_s * rate)), dtype=np.float32)
    pieces, pauses, cursor = [], [], 0.0
    for i, (samples, _) in enumerate(audio):
        pieces.append(samples)
        cursor += len(samples) / rate
        if i < len(audio) - 1:
            pieces.append(silence)
            pauses.append((cursor, cursor + pause_s))
            cursor += pause_s
    if not out.exists():
        sf.write(str(out), np.concatenate(pieces), rate)
    return out, pauses


def _trim_silence(samples: np.ndarray, floor: float = 1e-3) -> np.ndarray:
    loud = np.flatnonzero(np.abs(samples) > floor)
    return samples[loud[0] : loud[-1] + 1]


def single_utterance() -> Path:
    return speak(PAUSE_SENTENCES[0], "en+f2", speech_dir() / "single_utterance.wav")
