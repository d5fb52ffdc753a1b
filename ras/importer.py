"""Import a GPT-SoVITS .list into a role: good lines become clips, bad lines are reported."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import select

from ras.audio_files import AUDIO_SUFFIXES, AudioUnreadable, content_hash, copy_atomic, probe_audio
from ras.listfile import ListEntry, parse_list, read_list_text, resolve_audio
from ras.role_models import REF_MAX_SECONDS, REF_MIN_SECONDS, Clip
from ras.workspace import Workspace

AUDIO_SUBDIR = "audio"


@dataclass
class ImportReport:
    imported: int = 0
    duplicates: int = 0
    errors: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"imported": self.imported, "duplicates": self.duplicates, "errors": self.errors}


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
        copied: list[Path] = []
        try:
            for entry in entries:
                clip = _clip_for(entry, list_path, role_dir, copy_audio, gsv_root, known, report, copied)
                if clip is not None:
                    session.add(clip)
            session.commit()
        except BaseException:
            # Nothing is half-imported: the rows roll back and the copies go.
            session.rollback()
            for path in copied:
                path.unlink(missing_ok=True)
            raise
    report.errors.sort(key=lambda e: e["line"])
    return report


def _clip_for(entry: ListEntry, list_path: Path, role_dir: Path, copy_audio: bool, gsv_root: Path | None,
              known: set[str], report: ImportReport, copied: list[Path]) -> Clip | None:
    source = resolve_audio(entry.audio, list_dir=list_path.parent, gsv_root=gsv_root)
    if source is None:
        report.errors.append({"line": entry.line, "reason": f"audio file not found: {entry.audio}"})
        return None
    if source.suffix.lower() not in AUDIO_SUFFIXES:
        report.errors.append({"line": entry.line, "reason": f"not a wav/flac/mp3/ogg file: {entry.audio}"})
        return None
    try:
        info = probe_audio(source)
    except AudioUnreadable as exc:
        report.errors.append({"line": entry.line, "reason": str(exc)})
        return None
    digest = content_hash(source)
    if digest in known:
        report.duplicates += 1
        return None
    known.add(digest)
    if copy_audio:
        stored = Path(AUDIO_SUBDIR) / f"{digest}{source.suffix.lower()}"
        copy_atomic(source, role_dir / stored)
        copied.append(role_dir / stored)
        audio = stored.as_posix()
    else:
        audio = str(source.resolve())
    report.imported += 1
    return Clip(
        audio=audio, speaker=entry.speaker, lang=entry.lang, text=entry.text,
        duration=round(info.duration, 3), sample_rate=info.sample_rate, content_hash=digest,
        valid=is_reference_length(info.duration), source_list=str(list_path), source_line=entry.line,
    )
