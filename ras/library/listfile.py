"""Parse GPT-SoVITS .list files (`path|speaker|lang|text`, one clip a line).

Pure parsing: no file system access beyond reading the list, so every quirk of
real-world lists (BOM, CRLF, Windows paths, upper-case codes) is unit-testable.
"""
from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from ras.errors import InputError
from ras.languages import normalize_lang
from ras.library.clip_checks import shorten

MAX_ANCESTORS = 4  # GPT-SoVITS writes lists two levels below its root (output/asr_opt)


@dataclass(frozen=True)
class ListEntry:
    line: int
    audio: str
    speaker: str
    lang: str
    text: str


@dataclass(frozen=True)
class LineError:
    line: int
    reason: str


BINARY_NUL_SHARE = 0.01  # text never holds NUL bytes; a file with many is binary (or UTF-16 without a BOM)
UNDECODABLE = "\ufffd"


def decode_list_bytes(raw: bytes, name: str = "the .list file") -> str:
    """Decode a .list line by line: UTF-8 (with or without BOM), else GBK/GB18030, which Chinese
    Windows tools write. Per line, because lists merged from several tools mix the two; a line
    that is neither keeps a replacement mark and parse_list reports it."""
    if not raw.strip():
        raise InputError(f"{name} is empty: a .list has one clip a line, path|speaker|lang|text")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Notepad's "Unicode"
        return raw.decode("utf-16")
    if raw.count(b"\x00") > BINARY_NUL_SHARE * len(raw):
        raise InputError(f"{name} is binary data, not a text .list (path|speaker|lang|text, one clip a line); "
                         f"save it as UTF-8 text")
    lines, undecodable = [], 0
    for line in raw.removeprefix(codecs.BOM_UTF8).split(b"\n"):
        for encoding in ("utf-8", "gb18030"):
            try:
                lines.append(line.decode(encoding))
                break
            except UnicodeDecodeError:
                continue
        else:
            lines.append(line.decode("utf-8", errors="replace"))
            undecodable += 1
    if undecodable * 2 > sum(1 for line in lines if line.strip()):
        raise InputError(f"{name} is binary data, not a text .list (most lines are neither UTF-8 nor GBK text); "
                         f"save it as UTF-8 text")
    return "\n".join(lines)


def read_list_text(path: Path) -> str:
    return decode_list_bytes(Path(path).read_bytes(), f".list file {Path(path).name!r}")


def _line_problem(line: str) -> str | None:
    if "\x00" in line:
        return "contains NUL bytes (binary data, not text)"
    if UNDECODABLE in line:
        return "is neither UTF-8 nor GBK text; save the list as UTF-8"
    return None


def parse_list(content: str) -> tuple[list[ListEntry], list[LineError]]:
    entries: list[ListEntry] = []
    errors: list[LineError] = []
    for number, raw in enumerate(content.lstrip("\ufeff").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        problem = _line_problem(line)
        if problem:
            errors.append(LineError(number, problem))
            continue
        fields = line.split("|", 3)  # the text itself may contain '|'
        if len(fields) < 4:
            errors.append(LineError(number, f"expected path|speaker|lang|text, found {len(fields)} field(s)"))
            continue
        audio, speaker, lang_raw, text = (f.strip() for f in fields)
        lang = normalize_lang(lang_raw)
        if not audio:
            errors.append(LineError(number, "empty audio path"))
        elif lang is None:
            errors.append(LineError(number, f"unknown language code {shorten(lang_raw, 40)!r}"))
        elif not text:
            errors.append(LineError(number, "empty text"))
        else:
            entries.append(ListEntry(number, audio, speaker, lang, text))
    return entries, errors


def _path_parts(audio: str) -> tuple[bool, tuple[str, ...]]:
    """Split a path written on Windows or POSIX; returns (is_absolute, parts without anchor)."""
    if "\\" in audio or (len(audio) > 1 and audio[1] == ":"):
        pure = PureWindowsPath(audio)
    else:
        pure = PurePosixPath(audio)
    parts = pure.parts[1:] if pure.anchor else pure.parts
    return bool(pure.anchor), tuple(parts)


def listed_path_parts(audio: str) -> tuple[str, ...]:
    """The folders and file name of a listed audio path, written on Windows or POSIX."""
    return _path_parts(audio)[1]


def candidate_paths(audio: str, *, list_dir: Path, gsv_root: Path | None) -> list[Path]:
    """Where a listed audio file may be, most literal first.

    Lists are often made on another machine or before the dataset folder moved:
    after the literal path, try it relative to the list and to the GPT-SoVITS root,
    then ever shorter tails of it (`D:\\GPT-SoVITS\\output\\slicer_opt\\a.wav`
    -> `output/slicer_opt/a.wav` -> `slicer_opt/a.wav` -> `a.wav`) in both folders.
    GPT-SoVITS's slicer and ASR write paths relative to GPT-SoVITS's own folder
    (`output\\slicer_opt\\a.wav` in `output/asr_opt/a.list`), so the whole relative
    path is also tried from the list folder's ancestors, nearest first.
    """
    is_abs, parts = _path_parts(audio)
    if not parts:
        return []
    bases = [list_dir] + ([gsv_root] if gsv_root else [])
    found: list[Path] = []
    if is_abs and "\\" not in audio and ":" not in audio[:2]:
        found.append(Path(audio))
    whole = Path(*parts)
    found.extend(base / whole for base in bases)
    if not is_abs:
        found.extend(ancestor / whole for ancestor in list(Path(list_dir).parents)[:MAX_ANCESTORS])
    for start in range(1, len(parts)):
        tail = Path(*parts[start:])
        found.extend(base / tail for base in bases)
    return list(dict.fromkeys(found))


def resolve_audio(audio: str, *, list_dir: Path, gsv_root: Path | None) -> Path | None:
    for path in candidate_paths(audio, list_dir=list_dir, gsv_root=gsv_root):
        if path.is_file():
            return path
    return None
