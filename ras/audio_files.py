"""Audio file facts without decoding the whole file: duration, rate, content hash."""
from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import soundfile

AUDIO_SUFFIXES = (".wav", ".flac", ".mp3", ".ogg")


@dataclass(frozen=True)
class AudioInfo:
    duration: float
    sample_rate: int
    channels: int


class AudioUnreadable(ValueError):
    pass


def probe_audio(path: Path) -> AudioInfo:
    """Duration from the file header (fast); decodes only when the header has no length."""
    try:
        info = soundfile.info(str(path))
        frames = info.frames
        if frames <= 0 or frames >= 2**62:  # some mp3/ogg headers give no length
            data, _ = soundfile.read(str(path), dtype="int16", always_2d=True)
            frames = len(data)
    except (soundfile.LibsndfileError, RuntimeError, OSError) as exc:
        raise AudioUnreadable(f"cannot read audio {path}: {exc}") from exc
    if info.samplerate <= 0:
        raise AudioUnreadable(f"audio {path} has no sample rate")
    return AudioInfo(frames / info.samplerate, info.samplerate, info.channels)


def content_hash(path: Path) -> str:
    digest = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def copy_atomic(source: Path, target: Path) -> None:
    """Copy to a temporary name, then rename: a crash never leaves half a file at `target`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")
    try:
        shutil.copyfile(source, temp)
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
