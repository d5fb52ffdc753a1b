"""Import a GPT-SoVITS .list into a role: good lines become clips, bad lines are reported."""
from __future__ import annotations

import io
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile
from sqlalchemy import insert
from sqlmodel import col, select

from ras.audio.files import (
    AUDIO_SUFFIXES,
    AudioInfo,
    AudioUnreadable,
    bytes_hash,
    probe_audio,
    wav_header_info,
    write_atomic,
)
from ras.emotions import tag_in_file_name, tag_in_folder_name
from ras.errors import InputError, NotFound
from ras.library.clip_checks import is_reference_length, shorten, transcript_fits
from ras.library.emotion_tags import EmotionTag, write_tags
from ras.library.listfile import (
    LineError,
    ListEntry,
    listed_path_parts,
    parse_list,
    read_list_text,
    resolve_audio,
)
from ras.server_paths import ServerPathRefused, check_path
from ras.store.disk_space import disk_full, is_disk_full
from ras.store.role_tables import Clip
from ras.store.rows import new_row
from ras.store.workspace import Workspace

AUDIO_SUBDIR = "audio"
# A clip is a slice of speech; hours of audio in one line is a mistake (the whole recording
# instead of the slicer's output), and reading it would hold hundreds of MB in memory.
MAX_CLIP_SECONDS = 20 * 60
MAX_AUDIO_BYTES = 200 * 1024 * 1024
MAX_REPORTED_ERRORS = 1000  # the rest are counted; a page of 50,000 reasons helps nobody
WAVE_FLOAT_FORMATS = (3, 0xFFFE)  # IEEE float and "extensible" (which may hold floats)


@dataclass(frozen=True)
class FoundElsewhere:
    """A line whose audio was not beside the list but found by searching around it."""

    line: int
    listed: str
    found_at: str


@dataclass(frozen=True)
class ImportReport:
    imported: int
    duplicates: int
    errors: list[LineError]  # the first MAX_REPORTED_ERRORS bad lines, by line number
    errors_total: int
    found_elsewhere: list[FoundElsewhere]
    # emotion -> clips whose file or folder name carries it (new clips and ones the role had)
    emotions: dict[str, int] = field(default_factory=dict)
    retagged: int = 0  # clips the role had, tagged now from this list's names


@dataclass
class _Tally:
    """What the import has seen so far; the report is made from it at the end."""

    duplicates: int = 0
    errors: list[LineError] = field(default_factory=list)
    found_elsewhere: list[FoundElsewhere] = field(default_factory=list)
    emotions: Counter = field(default_factory=Counter)
    known_tags: dict[str, tuple[str, str]] = field(default_factory=dict)  # hash of a clip the role had -> tag
    retagged: int = 0

    def report(self, imported: int) -> ImportReport:
        errors = sorted(self.errors, key=lambda e: e.line)
        return ImportReport(imported=imported, duplicates=self.duplicates, errors=errors[:MAX_REPORTED_ERRORS],
                            errors_total=len(errors), found_elsewhere=list(self.found_elsewhere),
                            emotions=dict(self.emotions.most_common()), retagged=self.retagged)


def _no_usable_line(list_path: Path, errors: list[LineError]) -> InputError:
    first = "; ".join(f"line {e.line}: {e.reason}" for e in errors[:3])
    return InputError(f"no line of {list_path.name!r} is a clip (path|speaker|lang|text): {first}"
                      + (f" … and {len(errors) - 3} more bad lines" if len(errors) > 3 else ""))


def import_list(
    *, ws: Workspace, role: str, list_path: Path, copy_audio: bool = True, gsv_root: Path | None = None,
    audio_roots: Sequence[Path] | None = None,
) -> ImportReport:
    """`audio_roots`: the folders listed audio may come from (None: anywhere on this machine)."""
    list_path = Path(list_path)
    if not list_path.is_file():
        raise NotFound(f".list file not found: {shorten(list_path, 200)}")
    role_dir = ws.role_dir(role)
    ws.role_engine(role)  # an unknown role is refused before anything is read
    entries, line_errors = parse_list(read_list_text(list_path))
    if not entries:
        raise _no_usable_line(list_path, line_errors)
    report = _Tally(errors=list(line_errors))
    with ws.role_session(role) as session:
        known = set(session.exec(select(Clip.content_hash)).all())
        (role_dir / AUDIO_SUBDIR).mkdir(parents=True, exist_ok=True)
        copied: list[Path] = []
        sources: set[Path] = set()
        rows: list[dict] = []
        try:
            for entry in entries:
                row = _clip_row(entry, list_path, role_dir, copy_audio, gsv_root, audio_roots, known, sources,
                                report, copied)
                if row is not None:
                    rows.append(row)
            if rows:  # one bulk insert: 10,000 ORM objects would cost seconds
                session.execute(insert(Clip), rows)
            _tag_known_clips(session, report)
            session.commit()
        except BaseException as exc:
            # Nothing is half-imported: the rows roll back and the copies go.
            session.rollback()
            for path in copied:
                path.unlink(missing_ok=True)
            if is_disk_full(exc):
                raise disk_full(role_dir, f"importing {list_path.name}") from exc
            raise
    return report.report(imported=len(rows))


def name_tag(audio: str) -> tuple[str, str] | None:
    """(emotion, source) a listed path's names give: a bracketed file-name prefix (【开心】a.wav, [happy] a.wav),
    else a folder named after a known emotion (开心/a.wav, as GSVI packs ship); None without either."""
    parts = listed_path_parts(audio)
    if not parts:
        return None
    found = tag_in_file_name(parts[-1].rpartition(".")[0] or parts[-1])
    if found:
        return found, "name"
    found = tag_in_folder_name(parts[-2]) if len(parts) > 1 else None
    return (found, "folder") if found else None


def _tag_known_clips(session, report: _Tally) -> None:
    """A list that tags clips the role already had tags them too, unless a stronger source tagged them."""
    if not report.known_tags:
        return
    known = session.exec(select(Clip.id, Clip.content_hash, Clip.emotion)
                         .where(col(Clip.content_hash).in_(list(report.known_tags)))).all()
    changed = {clip_id: EmotionTag(*report.known_tags[digest]) for clip_id, digest, emotion in known
               if emotion != report.known_tags[digest][0]}
    report.retagged += len(write_tags(session, changed))


def _find_audio(entry: ListEntry, list_path: Path, gsv_root: Path | None,
                audio_roots: Sequence[Path] | None) -> Path:
    named = shorten(entry.audio)
    source = resolve_audio(entry.audio, list_dir=list_path.parent, gsv_root=gsv_root)
    if source is None:
        raise AudioUnreadable(f"audio file not found: {named}")
    try:
        check_path(source, roots=audio_roots, what="audio file")
    except ServerPathRefused as exc:
        raise AudioUnreadable(str(exc)) from None
    if source.suffix.lower() not in AUDIO_SUFFIXES:
        raise AudioUnreadable(f"not a wav/flac/mp3/ogg file: {named}")
    return source


def _read_audio(entry: ListEntry, source: Path) -> tuple[bytes, AudioInfo]:
    named = shorten(entry.audio)
    try:
        size = source.stat().st_size
        if size == 0:
            raise AudioUnreadable(f"audio file is empty (0 bytes): {named}")
        if size > MAX_AUDIO_BYTES:
            raise AudioUnreadable(f"audio file is {size // 2**20} MB, too large for a clip (at most "
                                  f"{MAX_AUDIO_BYTES // 2**20} MB); slice the recording first: {named}")
        data = source.read_bytes()
    except OSError as exc:
        raise AudioUnreadable(f"cannot read {named}: {exc.strerror or exc}") from exc
    # The bytes are read anyway for the hash, so a WAV header costs nothing more.
    try:
        info = wav_header_info(data) or probe_audio(source)
    except AudioUnreadable:
        raise AudioUnreadable(f"not a readable audio file (damaged, or not audio at all): {named}") from None
    if info.duration > MAX_CLIP_SECONDS:
        raise AudioUnreadable(f"audio is {info.duration / 60:.0f} minutes long; a clip may last at most "
                              f"{MAX_CLIP_SECONDS // 60} minutes: slice the recording first: {named}")
    if _float_wav(data) and not _samples_finite(data):
        raise AudioUnreadable(f"audio holds NaN or infinite samples (a broken float WAV); re-export it: {named}")
    return data, info


def _float_wav(data: bytes) -> bool:
    return len(data) >= 22 and data[:4] == b"RIFF" and int.from_bytes(data[20:22], "little") in WAVE_FLOAT_FORMATS


def _samples_finite(data: bytes) -> bool:
    try:
        samples, _ = soundfile.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError) as exc:
        raise AudioUnreadable(f"not a readable audio file: {exc}") from exc
    return bool(np.isfinite(samples).all())


def _clip_row(entry: ListEntry, list_path: Path, role_dir: Path, copy_audio: bool, gsv_root: Path | None,
              audio_roots: Sequence[Path] | None, known: set[str], sources_read: set[Path],
              report: _Tally, copied: list[Path]) -> dict | None:
    try:
        source = _find_audio(entry, list_path, gsv_root, audio_roots)
        if source in sources_read:  # the same file listed again: known without reading it twice
            report.duplicates += 1
            return None
        data, info = _read_audio(entry, source)
    except AudioUnreadable as exc:
        report.errors.append(LineError(entry.line, str(exc)))
        return None
    sources_read.add(source)
    if not source.resolve().is_relative_to(list_path.parent.resolve()):
        report.found_elsewhere.append(FoundElsewhere(entry.line, entry.audio, str(source.resolve())))
    digest = bytes_hash(data)
    tag = name_tag(entry.audio)
    if tag:
        report.emotions[tag[0]] += 1
    if digest in known:
        report.duplicates += 1
        if tag:
            report.known_tags[digest] = tag
        return None
    known.add(digest)
    if copy_audio:
        stored = Path(AUDIO_SUBDIR) / f"{digest}{source.suffix.lower()}"
        write_atomic(role_dir / stored, data)
        copied.append(role_dir / stored)
        audio = stored.as_posix()
    else:
        audio = str(source.resolve())
    usable = is_reference_length(info.duration) and transcript_fits(entry.text, info.duration, entry.lang)
    return new_row(
        Clip, audio=audio, speaker=entry.speaker, lang=entry.lang, text=entry.text,
        duration=round(info.duration, 3), sample_rate=info.sample_rate, content_hash=digest,
        valid=usable, source_list=str(list_path), source_line=entry.line,
        emotion=tag[0] if tag else "", emotion_source=tag[1] if tag else "", emotion_confidence=1.0 if tag else None,
    )
