"""Settings carried inside an exported wav: a RIFF LIST/INFO chunk whose comment (ICMT) is JSON.

Players skip chunks they do not know and show ICMT as a comment, so the file
still plays everywhere while saying which text and parameters made it.
"""
from __future__ import annotations

import json
import struct
from pathlib import Path

from ras.audio.files import write_atomic

SOFTWARE = b"RAS (GPT-SoVITS reference audio selector)"


def _chunks(data: bytes):
    """(id, start of payload, payload size) of each chunk after the RIFF/WAVE header."""
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError("not a RIFF/WAVE file")
    pos = 12
    while pos + 8 <= len(data):
        chunk_id, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        yield chunk_id, pos + 8, size
        pos += 8 + size + (size & 1)


def _info_entry(key: bytes, value: bytes) -> bytes:
    value += b"\0"
    return key + struct.pack("<I", len(value)) + value + (b"\0" if len(value) & 1 else b"")


def embed_settings(data: bytes, settings: dict) -> bytes:
    """The wav bytes with one LIST/INFO chunk holding settings as JSON (any earlier LIST chunk replaced)."""
    kept = b"".join(data[start - 8:start + size + (size & 1)] for chunk_id, start, size in _chunks(data)
                    if chunk_id != b"LIST")
    comment = json.dumps(settings, ensure_ascii=False, sort_keys=True).encode("utf-8")
    info = b"INFO" + _info_entry(b"ISFT", SOFTWARE) + _info_entry(b"ICMT", comment)
    body = b"WAVE" + kept + b"LIST" + struct.pack("<I", len(info)) + info
    return b"RIFF" + struct.pack("<I", len(body)) + body


def read_settings(path: str | Path) -> dict | None:
    """The settings embed_settings stored in a wav, or None when it holds none."""
    data = Path(path).read_bytes()
    for chunk_id, start, size in _chunks(data):
        if chunk_id == b"LIST" and data[start:start + 4] == b"INFO":
            pos, end = start + 4, start + size
            while pos + 8 <= end:
                key, length = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
                if key == b"ICMT":
                    return json.loads(data[pos + 8:pos + 8 + length].rstrip(b"\0").decode("utf-8"))
                pos += 8 + length + (length & 1)
    return None


def write_tagged_copy(source: Path, target: Path, settings: dict) -> tuple[Path, Path]:
    """target (a wav carrying settings) and its sidecar target.json with the same settings."""
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(target, embed_settings(Path(source).read_bytes(), settings))
    sidecar = target.with_suffix(".json")
    write_atomic(sidecar, json.dumps(settings, ensure_ascii=False, indent=2).encode("utf-8"))
    return target, sidecar
