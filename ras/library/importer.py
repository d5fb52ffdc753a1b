"""Import a GPT-SoVITS .list into a role: good lines become clips, bad lines are reported."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import insert
from sqlmodel import select

from ras.audio.files import AUDIO_SUFFIXES, AudioInfo, AudioUnreadable, bytes_hash, probe_audio, wav_header_info, write_atomic
from ras.library.listfile import ListEntry, parse_list, read_list_text, resolve_audio
from ras.store.role_tables import REF_MAX_SECONDS, REF_MIN_SECONDS, Clip
from ras.store.rows import new_row
from ras.store.workspace import Workspace

AUDIO_SUBDIR = "audio"


@dataclass
class ImportReport:
    imported: int = 0
    duplicates: int = 0
    errors: list[dict] = field(default_factory=list)
    # lines whose audio was not beside the list: {"line", "listed", "found_at"}
    found_elsewhere: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"imported": self.imported, "duplicates": self.duplicates, "errors": self.errors,
                "found_elsewhere": self.found_elsewhere}


def is_reference_length(duration: float) -> bool:
    return REF_MIN_SECONDS <= duration <= REF_MAX_SECONDS


def import_list(
    *, ws: Workspace, role: str, list_path: Path, copy_audio: bool = True, gsv_root: Path | None = None
) -> ImportReport:
    list_path = Path(list_path)
    if not list_path.is_file():
        raise FileNotFoundError(f".list file not found: {list_path}")
    role_dir = ws.role_dir(role)
    entries, line_errors = parse_list(read_list_text(list_path))
    report = ImportReport(errors=[{"line": e.line, "reason": e.reason} for e in line_errors])
    with ws.role_session(role) as session:
        known = set(session.exec(select(Clip.content_hash)).all())
        (role_dir / AUDIO_SUBDIR).mkdir(parents=True, exist_ok=True)
        copied: list[Path] = []
        rows: list[dict] = []
        try:
            for entry in entries:
                row = _clip_row(entry, list_path, role_dir, copy_audio, gsv_root, known, report, copied)
                if row is not None:
                    rows.append(row)
            if rows:  # one bulk insert: 10,000 ORM objects would cost seconds
                session.execute(insert(Clip), rows)
            session.commit()
        except BaseException:
            # Nothing is half-imported: the rows roll back and the copies go.
            session.rollback()
            for path in copied:
                path.unlink(missing_ok=True)
            raise
    report.imported = len(rows)
    report.errors.sort(key=lambda e: e["line"])
    return report


def _read_audio(entry: ListEntry, list_path: Path, gsv_root: Path | None) -> tuple[Path, bytes, AudioInfo]:
    source = resolve_audio(entry.audio, list_dir=list_path.parent, gsv_root=gsv_root)
    if source is None:
        raise AudioUnreadable(f"audio file not found: {entry.audio}")
    if source.suffix.lower() not in AUDIO_SUFFIXES:
        raise AudioUnreadable(f"not a wav/flac/mp3/ogg file: {entry.audio}")
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise AudioUnreadable(f"cannot read {source}: {exc}") from exc
    # The bytes are read anyway for the hash, so a WAV header costs nothing more.
    info = wav_header_info(data) or probe_audio(source)
    return source, data, info


def _clip_row(entry: ListEntry, list_path: Path, role_dir: Path, copy_audio: bool, gsv_root: Path | None,
              known: set[str], report: ImportReport, copied: list[Path]) -> dict | None:
    try:
        source, data, info = _read_audio(entry, list_path, gsv_root)
    except AudioUnreadable as exc:
        report.errors.append({"line": entry.line, "reason": str(exc)})
        return None
    if not source.resolve().is_relative_to(list_path.parent.resolve()):
        report.found_elsewhere.append({"line": entry.line, "listed": entry.audio, "found_at": str(source.resolve())})
    digest = bytes_hash(data)
    if digest in known:
        report.duplicates += 1
        return None
    known.add(digest)
    if copy_audio:
        stored = Path(AUDIO_SUBDIR) / f"{digest}{source.suffix.lower()}"
        write_atomic(role_dir / stored, data)
        copied.append(role_dir / stored)
        audio = stored.as_posix()
    else:
        audio = str(source.resolve())
    return new_row(
        Clip, audio=audio, speaker=entry.speaker, lang=entry.lang, text=entry.text,
        duration=round(info.duration, 3), sample_rate=info.sample_rate, content_hash=digest,
        valid=is_reference_length(info.duration), source_list=str(list_path), source_line=entry.line,
    )
