"""Audio file facts without decoding the whole file: duration, rate, content hash."""
from __future__ import annotations

import hashlib
import os
import struct
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
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


def wav_header_info(data: bytes) -> AudioInfo | None:
    """Parse a RIFF/WAVE header from bytes already in memory; None when it is not a plain WAV."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return None
    pos, rate, channels, block_align = 12, 0, 0, 0
    while pos + 8 <= len(data):
        chunk, size = data[pos:pos + 4], struct.unpack_from("<I", data, pos + 4)[0]
        if chunk == b"fmt " and size >= 16:
            channels, rate, _, block_align = struct.unpack_from("<HIIH", data, pos + 10)
        elif chunk == b"data":
            if not rate or not block_align:
                return None
            frames = min(size, len(data) - pos - 8) // block_align
            return AudioInfo(frames / rate, rate, channels) if frames > 0 else None
        pos += 8 + size + (size & 1)
    return None


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


def bytes_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@contextmanager
def atomic_target(target: str | Path) -> Iterator[Path]:
    """A temporary path beside `target` to write to; renamed onto `target` when the block succeeds,
    removed when it fails: a crash never leaves half a file at `target`. The temporary name keeps
    the suffix, for writers that choose the format by it (soundfile)."""
    target = Path(target)
    temp = target.with_name(f".{target.stem}.{uuid.uuid4().hex}.partial{target.suffix}")
    try:
        yield temp
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)


def remove_partials(target: str | Path) -> int:
    """Remove what writers of `target` killed mid-write left beside it (atomic_target's temporary
    names); returns how many. Only for a target nobody is writing now."""
    target = Path(target)
    removed = 0
    for stray in target.parent.glob(f".{target.stem}.*.partial{target.suffix}"):
        stray.unlink(missing_ok=True)
        removed += 1
    return removed


def write_atomic(target: Path, data: bytes) -> None:
    with atomic_target(target) as temp:
        temp.write_bytes(data)
