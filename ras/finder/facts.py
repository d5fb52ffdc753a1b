"""A clip's facts for screening, read from the role DB and the clip's own audio.

Speaker embeddings come from the classify cache (ClipEmbedding); clips without one are
embedded with the given encoder and cached, exactly as the classify tab would.
"""
from __future__ import annotations

import logging
import time

import numpy as np
from sqlmodel import col, select

from ras.analysis.embeddings import compute_embeddings
from ras.audio.load import load_mono, resample
from ras.finder.screen import ClipFacts, measure_audio
from ras.metrics.asr import AsrConfig
from ras.metrics.features import ANALYSIS_SR
from ras.metrics.take_transcript import compare_transcript
from ras.metrics.transcribe import transcribe_samples
from ras.store.lookups import clip_audio_path
from ras.store.role_tables import Clip, ClipEmbedding
from ras.store.workspace import Workspace

log = logging.getLogger("ras.finder.facts")


def candidate_clips(*, ws: Workspace, role: str, clip_ids: list[int] | None, group_id: int | None) -> list[Clip]:
    """The clips a run considers: the ids given, else a classify group, else every clip of the role."""
    with ws.role_session(role) as session:
        query = select(Clip).order_by(col(Clip.id))
        if clip_ids:
            query = query.where(col(Clip.id).in_(clip_ids))
        elif group_id is not None:
            query = query.where(Clip.group_id == int(group_id))
        return list(session.exec(query).all())


def cached_embeddings(*, ws: Workspace, role: str, clip_ids: list[int], encoder=None) -> dict[int, np.ndarray]:
    """clip id -> embedding; with an encoder, the missing ones are computed and cached first."""
    if encoder is not None:
        try:
            compute_embeddings(ws=ws, role=role, encoder=encoder)
        except Exception:  # without embeddings only the voice check is skipped
            log.exception("role %s: embeddings for screening failed", role)
    with ws.role_session(role) as session:
        names = session.exec(select(ClipEmbedding.encoder).distinct()).all()
        if not names:
            return {}
        name = encoder.name if encoder is not None and encoder.name in names else names[0]
        rows = session.exec(select(ClipEmbedding.clip_id, ClipEmbedding.vector).where(
            ClipEmbedding.encoder == name, col(ClipEmbedding.clip_id).in_(clip_ids))).all()
    return {clip_id: np.frombuffer(vector, dtype="<f4") for clip_id, vector in rows}


def clip_facts(ws: Workspace, role: str, clip: Clip, embedding: np.ndarray | None = None) -> ClipFacts:
    facts = ClipFacts(clip_id=clip.id, duration=clip.duration, text=clip.text, lang=clip.lang, embedding=embedding)
    try:
        samples, sr = load_mono(clip_audio_path(ws, role, clip))
    except (ValueError, OSError) as exc:
        facts.unreadable = str(exc)
        return facts
    for key, value in measure_audio(samples, sr).items():
        setattr(facts, key, value)
    return facts


def add_asr(facts: ClipFacts, ws: Workspace, role: str, clip: Clip, asr: AsrConfig) -> None:
    """The clip's transcript by the model that serves its language, compared with its text (only for
    clips that passed the rest); nothing when no model serves the language."""
    model = asr.choose(clip.lang).model
    if model is None:
        return
    samples, sr = load_mono(clip_audio_path(ws, role, clip))
    transcript = transcribe_samples(resample(samples, sr, ANALYSIS_SR), clip.lang, model, device=asr.device,
                                    expected_text=clip.text)
    facts.asr = compare_transcript(clip.text, transcript.text, clip.lang, model)
    facts.cer = facts.asr.error_rate


def gather(*, ws: Workspace, role: str, clips: list[Clip], encoder=None) -> tuple[list[ClipFacts], float]:
    """Facts of every clip and the audio-measuring time per clip in ms (embedding work excluded)."""
    embeddings = cached_embeddings(ws=ws, role=role, clip_ids=[c.id for c in clips], encoder=encoder)
    started = time.perf_counter()
    facts = [clip_facts(ws, role, clip, embeddings.get(clip.id)) for clip in clips]
    per_clip_ms = (time.perf_counter() - started) * 1000 / max(len(clips), 1)
    return facts, round(per_clip_ms, 2)
