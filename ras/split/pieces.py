"""Split a role's clip at its pauses into new clips of the same role (linked to their parent).

Pieces are written like imported audio: roles/<role>/audio/<content hash>.wav,
each under a temporary name then renamed, and their rows committed in one
transaction; on any error the written files are removed, so nothing is
half-saved. Texts come from a faster-whisper model when one serves the clip's
language (asr.AsrConfig), else from the parent's transcript split by voiced time
(marked unverified until a person edits them).
"""
from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
from sqlmodel import select

from ras.audio.files import bytes_hash, write_atomic
from ras.audio.spectrogram import render_spectrogram, render_waveform_with_cuts
from ras.errors import Conflict, InputError, NotFound
from ras.library.clip_checks import is_reference_length
from ras.library.clips import get_clip
from ras.library.importer import AUDIO_SUBDIR
from ras.metrics import asr
from ras.model_cache import ModelCache
from ras.split import cut_points as splitting
from ras.store.lookups import clip_audio_path
from ras.store.main_tables import utcnow
from ras.store.role_tables import Clip
from ras.store.workspace import Workspace

PREVIEW_SUBDIR = "cache/split"  # waveform/spectrogram PNGs the split tab shows (inside the served folder)
_transcribers: ModelCache = ModelCache()


class Stretch(Protocol):
    """Where a piece lies in its clip (seconds): a proposed SplitPiece, or a row the user edited."""

    start: float
    end: float


@dataclass(frozen=True)
class SplitPiece:
    """A proposed piece of a clip (seconds) and its share of the parent's transcript."""

    start: float
    end: float
    voiced: float  # seconds of speech inside
    text: str


@dataclass(frozen=True)
class SavedPiece:
    """A piece saved as a new clip of the role."""

    id: int  # the new clip's id
    start: float
    end: float
    duration: float
    text: str
    valid: bool = field(metadata={"json": None})  # 3–10 s: usable as a reference
    text_verified: bool = field(metadata={"json": None})


@dataclass(frozen=True)
class SplitResult:
    clips: list[SavedPiece]


@dataclass(frozen=True)
class ClipLength:
    """A clip in the split tab's picker, longest first."""

    id: int
    duration: float
    text: str


def transcriber_for(asr_config: asr.AsrConfig | None) -> asr.LocalTranscriber:
    """A transcriber picking each clip language's model (--asr-model, GPT-SoVITS's own, or the bundled
    English one); a language without one fails when transcribed, naming the language and the flags."""
    if asr_config is None:
        raise InputError("transcription needs a local speech recognition model: start RAS with --asr-model DIR")
    return _transcribers.get(asr_config, lambda: asr.LocalTranscriber(asr_config))


def source_path(ws: Workspace, role: str, clip: Clip) -> Path:
    path = clip_audio_path(ws, role, clip)
    if not path.is_file():
        raise NotFound(f"the audio file of clip {clip.id} is missing ({path}); import the clip again")
    return path


def propose(*, ws: Workspace, role: str, clip_id: int, min_silence_ms: int = 300) -> list[SplitPiece]:
    """Proposed pieces, with the parent's text split by voiced time."""
    clip = get_clip(ws=ws, role=role, clip_id=clip_id)
    path = source_path(ws, role, clip)
    pieces = splitting.propose_cuts(path, min_silence_ms=int(min_silence_ms))
    # A proposed piece holds exactly one speech segment, so its "voiced" equals what
    # voiced_durations measures in save_pieces: an untouched text is recognised as not edited.
    texts = splitting.split_transcript(clip.text, [p["voiced"] for p in pieces], clip.lang)
    return [SplitPiece(**piece, text=t["text"]) for piece, t in zip(pieces, texts)]


def save_pieces(*, ws: Workspace, role: str, clip_id: int, pieces: Sequence[Stretch], texts: list[str] | None = None,
                transcriber=None, min_silence_ms: int = 300) -> list[SavedPiece]:
    """Write the pieces as new clips.

    `texts` (one per piece, None/"" for "work it out") win over the transcriber;
    a given text equal to the proportional split stays unverified, an edited
    one counts as verified by the person who typed it.
    """
    parent = get_clip(ws=ws, role=role, clip_id=clip_id)
    path = source_path(ws, role, parent)
    pieces = _bounds(pieces)
    role_dir = ws.role_dir(role)
    written: list[Path] = []
    staging = Path(tempfile.mkdtemp(prefix=".split-", dir=role_dir))
    try:
        piece_files = splitting.write_pieces(path, pieces, staging, stem="piece")
        labels = _piece_texts(parent, path, pieces, piece_files, texts, transcriber, min_silence_ms)
        rows = []
        with ws.role_session(role) as session:
            known = set(session.exec(select(Clip.content_hash)).all())
            for number, (piece, piece_file, label) in enumerate(zip(pieces, piece_files, labels), start=1):
                data = piece_file.read_bytes()
                digest = bytes_hash(data)
                if digest in known:
                    raise Conflict(f"piece {number} ({piece['start']:.2f}–{piece['end']:.2f} s) is already a clip "
                                   f"of this role; move its borders or leave it out")
                known.add(digest)
                stored = Path(AUDIO_SUBDIR) / f"{digest}.wav"
                (role_dir / AUDIO_SUBDIR).mkdir(parents=True, exist_ok=True)
                write_atomic(role_dir / stored, data)
                written.append(role_dir / stored)
                duration = round(piece["end"] - piece["start"], 3)
                row = Clip(audio=stored.as_posix(), speaker=parent.speaker, lang=parent.lang, text=label["text"],
                           duration=duration, sample_rate=parent.sample_rate, content_hash=digest,
                           valid=is_reference_length(duration) and bool(label["text"]),
                           parent_clip_id=parent.id, text_verified=label["verified"],
                           source_list=parent.source_list, source_line=parent.source_line, created_at=utcnow(),
                           # a piece speaks with its recording's emotion, whoever tagged it
                           emotion=parent.emotion, emotion_source=parent.emotion_source,
                           emotion_confidence=parent.emotion_confidence)
                session.add(row)
                rows.append((piece, row))
            session.commit()
    except BaseException:
        for file in written:  # nothing half-saved: the rows rolled back, the copies go
            file.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [SavedPiece(id=row.id, start=piece["start"], end=piece["end"], duration=row.duration, text=row.text,
                       valid=row.valid, text_verified=row.text_verified) for piece, row in rows]


def _bounds(pieces: Sequence[Stretch]) -> list[dict]:
    """{"start", "end"} of each piece, as the cutting functions take them."""
    return [{"start": float(p.start), "end": float(p.end)} for p in pieces]


def _piece_texts(parent: Clip, path: Path, pieces, piece_files, texts, transcriber, min_silence_ms) -> list[dict]:
    if texts is not None and len(texts) != len(pieces):
        raise InputError(f"{len(texts)} texts given for {len(pieces)} pieces; give one text a piece")
    voiced = splitting.voiced_durations(path, pieces, min_silence_ms=int(min_silence_ms))
    proportional = splitting.split_transcript(parent.text, voiced, parent.lang)
    automatic = (splitting.piece_texts(piece_files, lang=parent.lang, transcriber=transcriber)
                 if transcriber is not None else proportional)
    labels = []
    for i, auto in enumerate(automatic):
        given = (texts[i] or "").strip() if texts is not None else ""
        if given:
            labels.append({"text": given, "verified": auto["verified"] or given != proportional[i]["text"]})
        else:
            labels.append({"text": auto["text"], "verified": auto["verified"]})
    return labels


def split_clip(*, ws: Workspace, role: str, clip_id: int, min_silence_ms: int = 300, transcribe: bool = False,
               asr_model=None) -> SplitResult:
    """Propose cuts and save every piece (the API's one-call split)."""
    transcriber = transcriber_for(asr_model) if transcribe else None
    pieces = propose(ws=ws, role=role, clip_id=clip_id, min_silence_ms=min_silence_ms)
    saved = save_pieces(ws=ws, role=role, clip_id=clip_id, pieces=pieces, transcriber=transcriber,
                        min_silence_ms=min_silence_ms)
    return SplitResult(clips=saved)


def long_clips(*, ws: Workspace, role: str) -> list[ClipLength]:
    """The role's clips longest first: the split tab's clip picker."""
    with ws.role_session(role) as session:
        found = session.exec(select(Clip.id, Clip.duration, Clip.text).order_by(Clip.duration.desc(), Clip.id)).all()
    return [ClipLength(id=i, duration=d, text=t) for i, d, t in found]


def preview_images(*, ws: Workspace, role: str, clip_id: int, pieces: Sequence[Stretch]) -> tuple[Path, Path]:
    """(waveform PNG with a red line at every piece border, spectrogram PNG) under the role's cache folder."""
    clip = get_clip(ws=ws, role=role, clip_id=clip_id)
    path = source_path(ws, role, clip)
    samples, rate = splitting.load_audio(path)
    folder = ws.role_dir(role) / PREVIEW_SUBDIR
    folder.mkdir(parents=True, exist_ok=True)
    cuts = sorted({float(p.start) for p in pieces} | {float(p.end) for p in pieces})
    # A name per cut set: the browser never shows a stale image cached under the same URL.
    tag = bytes_hash(repr(cuts).encode())[:8]
    for old in folder.glob(f"{clip.id}_wave_*.png"):
        old.unlink(missing_ok=True)
    wave = render_waveform_with_cuts(samples, rate, cuts, folder / f"{clip.id}_wave_{tag}.png")
    spectrogram = render_spectrogram(path, folder / f"{clip.id}_spec.png", audio=(samples, rate))
    return wave, spectrogram


def piece_audio(*, ws: Workspace, role: str, clip_id: int, start: float, end: float) -> tuple[int, np.ndarray]:
    """(rate, samples) of one stretch of a clip, for a preview player before anything is saved."""
    clip = get_clip(ws=ws, role=role, clip_id=clip_id)
    samples, rate = splitting.load_audio(source_path(ws, role, clip))
    splitting.check_pieces([{"start": start, "end": end}], len(samples) / rate)
    return rate, samples[int(round(start * rate)):int(round(end * rate))]
