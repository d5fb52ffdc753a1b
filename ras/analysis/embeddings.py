"""The per-role cache of clip speaker embeddings: each (clip, encoder name) is embedded once and stored in
ClipEmbedding as float32 bytes, so adding clips computes only the new ones. Classify groups the vectors;
the finder screens references' voices with them."""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

import numpy as np
from sqlmodel import col, select

from ras.metrics.speaker import ProgressFn, load_encoder
from ras.store.lookups import clip_audio_path
from ras.store.role_tables import Clip, ClipEmbedding
from ras.store.workspace import Workspace

log = logging.getLogger(__name__)

EMBED_BATCH = 16  # clips per forward pass
COMMIT_EVERY = 64  # clips per DB commit: an interrupted run keeps what it computed
# One embedding run at a time: two clicks must not insert the same (clip, encoder) row twice,
# and the encoder's model is not meant to be shared between threads.
_embed_lock = threading.Lock()


@dataclass(frozen=True)
class SkippedClip:
    id: int
    reason: str


@dataclass(frozen=True)
class EmbeddingRun:
    """What one run of compute_embeddings did: vectors stored, clips it could not embed and why."""

    stored: int
    skipped: list[SkippedClip] = field(default_factory=list)


def default_encoder(settings):
    """The speaker encoder of --sv-model (None: resemblyzer's bundled one); load_encoder caches it."""
    sv_model = str(settings.sv_model) if settings.sv_model else None
    gsv_root = str(settings.gsv_root) if settings.gsv_root else None
    return load_encoder(sv_model, gsv_root=gsv_root)


def compute_embeddings(*, ws: Workspace, role: str, encoder, progress: ProgressFn | None = None) -> EmbeddingRun:
    """Embed the clips that have no vector for encoder.name yet. A clip whose file is missing, unreadable
    or silent is skipped (named in the answer, and logged), not fatal."""
    with _embed_lock:
        return _compute_embeddings(ws, role, encoder, progress)


def _compute_embeddings(ws: Workspace, role: str, encoder, progress: ProgressFn | None) -> EmbeddingRun:
    skipped: list[SkippedClip] = []
    with ws.role_session(role) as session:
        done = select(ClipEmbedding.clip_id).where(ClipEmbedding.encoder == encoder.name)
        todo = session.exec(select(Clip).where(col(Clip.id).not_in(done)).order_by(col(Clip.id))).all()
    paths = []
    for clip in todo:
        path = clip_audio_path(ws, role, clip)
        if path.is_file():
            paths.append((clip.id, path))
        else:
            skipped.append(SkippedClip(clip.id, f"audio file missing: {path.name}"))
    stored, total = 0, len(paths)
    for start in range(0, total, COMMIT_EVERY):
        chunk = paths[start:start + COMMIT_EVERY]
        vectors = encoder.embed_files([p for _, p in chunk], batch=EMBED_BATCH, on_error="nan")
        rows = []
        for (clip_id, path), vector in zip(chunk, vectors):
            if np.all(np.isfinite(vector)):
                rows.append(ClipEmbedding(clip_id=clip_id, encoder=encoder.name,
                                          vector=np.asarray(vector, dtype="<f4").tobytes()))
            else:
                skipped.append(SkippedClip(clip_id, f"unreadable or silent audio: {path.name}"))
        with ws.role_session(role) as session:
            session.add_all(rows)
            session.commit()
        stored += len(rows)
        if progress is not None:
            progress(start + len(chunk), total)
    if skipped:
        log.warning("role %s: %d clips not embedded: %s", role, len(skipped), skipped[:5])
    return EmbeddingRun(stored=stored, skipped=skipped)
