"""A voice's timbre set: extra references every emotion of a product shares, and the check that measures it.

GPT-SoVITS (v2 and later) takes the tone from the main reference and averages the timbre of the extra
references (aux_ref_audio_paths). A product with a reference per emotion can sound like a different
person per emotion; a fixed timbre set (good clips of its calm voice, say the neutral shortlist) pulls
them back to one speaker. v3/v4 SoVITS weights ignore extra references, so there a timbre set does nothing.

The check is an ordinary comparison task: each of the product's references (its default and every
emotion's) speaks two short test texts with the product's weights and settings, once without extra
references and once with the timbre set. Its result is the mean speaker similarity between takes of
different references, per condition: higher means the emotions sound more like one person.
"""
from __future__ import annotations

import itertools
import json
import uuid
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np
from sqlalchemy import update
from sqlmodel import col, select

from gsv_integration.request import REF_MAX_SECONDS, REF_MIN_SECONDS
from ras.emotions import DEFAULT_EMOTION, Reference
from ras.errors import InputError
from ras.library import texts
from ras.metrics.rate import base_language
from ras.products.rows import PRODUCTS_DIR, ProductInfo, copy_into, product_info, product_row, spec_parameters
from ras.queue import tasks
from ras.store.db import get_row
from ras.store.lookups import clip_audio_path, get_task
from ras.store.role_tables import Clip, Job, ParamSet, Product
from ras.store.workspace import Workspace

CHECK_TEXTS = 2  # short texts each reference speaks per condition
MAX_CHECK_TEXT_CHARS = 100  # a check needs a few seconds of speech per take, not a paragraph
IGNORING_VERSIONS = ("v3", "v4")  # SoVITS versions whose synthesis never reads the extra references
PENDING = ("queued", "running")


@dataclass(frozen=True)
class TimbreCondition:
    """One side of the check: takes without extra references, or with the timbre set."""

    similarity: float | None  # mean speaker similarity between takes of different references; None: no pair yet
    pairs: int  # take pairs of different references behind the mean
    done: int
    pending: int  # queued or running
    failed: int  # failed or cancelled: counted nowhere else


@dataclass(frozen=True)
class TimbreCheck:
    task_id: int
    references: int  # the product's distinct references that speak in the check
    without: TimbreCondition
    with_timbre_set: TimbreCondition
    encoder: str  # the speaker encoder that measured the similarities
    finished: bool  # no take of the check is queued or running


def weights_ignore_aux(product: ProductInfo) -> bool:
    """True for v3/v4 SoVITS weights, which synthesize from the main reference alone."""
    recorded = [w.get("version", "") for w in product.weight_versions or () if w.get("kind") == "sovits"]
    version = recorded[0] if recorded else product.version
    return (version or "").lower().startswith(IGNORING_VERSIONS)


def _checked_clips(session, role: str, clip_ids: list[int]) -> list[Clip]:
    found = []
    for clip_id in clip_ids:
        clip = get_row(session, Clip, clip_id, "clip", role)
        if not REF_MIN_SECONDS <= (clip.duration or 0.0) <= REF_MAX_SECONDS:
            raise InputError(f"clip {clip.id} is {clip.duration or 0.0:.1f} s; a timbre reference must be "
                             f"{REF_MIN_SECONDS:g}-{REF_MAX_SECONDS:g} s as GPT-SoVITS requires: pick another clip")
        found.append(clip)
    return found


def set_timbre_set(*, ws: Workspace, role: str, product_id: int, clip_ids: list[int]) -> ProductInfo:
    """Copy the clips into the product as its aux references (replacing the ones it had); [] clears them."""
    ids = list(dict.fromkeys(int(i) for i in clip_ids or []))
    with ws.role_session(role) as session:
        product = product_row(session, role, product_id)
        clips = _checked_clips(session, role, ids)
        folder = ws.role_dir(role) / PRODUCTS_DIR / str(product.id)
        stem = f"timbre-{uuid.uuid4().hex[:8]}"  # new files: the old ones stay until the row no longer names them
        stored = [f"{PRODUCTS_DIR}/{product.id}/" + copy_into(clip_audio_path(ws, role, clip), folder, f"{stem}-{i}")
                  for i, clip in enumerate(clips)]
        old = product.aux_refs
        product.aux_refs_json = json.dumps(stored)
        product.aux_clip_ids_json = json.dumps([c.id for c in clips])
        session.add(product)
        session.commit()
        for path in set(old) - set(stored):
            (ws.role_dir(role) / path).unlink(missing_ok=True)
        return product_info(ws, role, product)


def check_text_ids(*, ws: Workspace, lang: str) -> list[int]:
    """Two short test texts in `lang`: "short" ones first, then the shortest others."""
    lang = base_language(lang)
    rows = sorted(texts.list_texts(ws=ws, lang=lang), key=lambda t: (t.category != "short", len(t.content), t.id))
    picked = [t.id for t in rows if len(t.content) <= MAX_CHECK_TEXT_CHARS][:CHECK_TEXTS]
    if len(picked) < CHECK_TEXTS:
        raise InputError(f"the timbre check needs {CHECK_TEXTS} short test texts (up to {MAX_CHECK_TEXT_CHARS} "
                         f"characters) in {lang!r}; add them in the texts tab")
    return picked


def _references(session, role: str, product: Product) -> dict[int, tuple[str, dict]]:
    """clip id -> (emotion, the product's reference copied from it) for its default reference and every
    emotion's, each clip once (the default's first, speaking the default emotion)."""
    default = Reference(DEFAULT_EMOTION, product.ref_audio, product.prompt_text, product.prompt_lang)
    named = [(DEFAULT_EMOTION, product.source_clip_id, default.as_json())]
    named += [(emotion, reference.clip_id, replace(reference, clip_id=None).as_json())
              for emotion, reference in sorted(product.emotions.items())]
    found: dict[int, tuple[str, dict]] = {}
    for number, (emotion, clip_id, reference) in enumerate(named):
        if clip_id is None or session.get(Clip, clip_id) is None:
            what = f"emotion {emotion!r}" if number else "default reference"
            raise InputError(f"the clip of product {product.name!r}'s {what} is no longer in role {role!r}; "
                             "set that reference again from a clip of the role")
        found.setdefault(clip_id, (emotion, reference))
    if len(found) < 2:
        raise InputError(f"product {product.name!r} has one reference only; give it a reference per emotion "
                         "first: the check compares takes of different emotions")
    return found


def start_timbre_check(*, ws: Workspace, role: str, product_id: int, max_jobs: int = 20_000,
                       resolve_weight=None, default_weight=None, code_version: str = "") -> int:
    """Create the check's comparison task and return its id; the caller runs it (runner.run_task).

    Its jobs name the clips the product's references were copied from (a comparison task's jobs are
    clips') and carry the product's own copies with their texts, so they speak as /tts does."""
    with ws.role_session(role) as session:
        product = product_row(session, role, product_id)
        info = product_info(ws, role, product)
        if weights_ignore_aux(info):
            raise InputError(f"product {product.name!r} uses {info.version or 'v3/v4'} SoVITS weights: extra "
                             "references do nothing on v3/v4, so a timbre set cannot change its voice")
        if not product.aux_clip_ids:
            raise InputError(f"product {product.name!r} has no timbre set whose clips are known; set one first")
        references = _references(session, role, product)
        base = {k: v for k, v in spec_parameters(product, product.params).items()
                if k != "aux_refs" and not (k in ("gpt", "sovits") and not v)}
        aux = product.aux_clip_ids
    spec = {"name": f"timbre check: {info.name}", "clip_ids": list(references),
            "text_ids": check_text_ids(ws=ws, lang=info.prompt_lang), "base": base,
            "vary": {"aux_refs": [[], aux]}, "combine": "each"}
    task_id = tasks.create_task(ws=ws, role=role, spec=spec, max_jobs=max_jobs, resolve_weight=resolve_weight,
                                default_weight=default_weight, code_version=code_version).task_id
    with ws.role_session(role) as session:
        for clip_id, (emotion, reference) in references.items():
            session.execute(update(Job).where(Job.task_id == task_id, Job.clip_id == clip_id)
                            .values(emotion=emotion, reference_json=json.dumps(reference, ensure_ascii=False)))
        session.commit()
    return task_id


@lru_cache(maxsize=256)
def _take_embedding(encoder, path: str, mtime_ns: int, size: int) -> np.ndarray:
    """A finished take's speaker embedding; a status read again embeds only the takes new since the last."""
    return encoder.embed_files([path], on_error="nan")[0]


def _embedding(encoder, path: Path) -> np.ndarray | None:
    stat = path.stat()
    vector = _take_embedding(encoder, str(path), stat.st_mtime_ns, stat.st_size)
    return None if np.isnan(vector).any() else vector


def _condition(ws: Workspace, role: str, jobs: list[Job], encoder) -> TimbreCondition:
    done = [j for j in jobs if j.status == "done" and j.result_path
            and (ws.role_dir(role) / j.result_path).is_file()]
    vectors = [(j.clip_id, _embedding(encoder, ws.role_dir(role) / j.result_path)) for j in done]
    embedded = [(clip_id, vector) for clip_id, vector in vectors if vector is not None]
    scores = [float(a @ b) for (clip_a, a), (clip_b, b) in itertools.combinations(embedded, 2) if clip_a != clip_b]
    return TimbreCondition(similarity=round(float(np.mean(scores)), 4) if scores else None, pairs=len(scores),
                           done=len(done), pending=sum(j.status in PENDING for j in jobs),
                           failed=sum(j.status in ("failed", "cancelled") for j in jobs))


def timbre_check_result(*, ws: Workspace, role: str, task_id: int, encoder) -> TimbreCheck:
    """The similarities of a check's finished takes so far (pending ones counted, not waited for)."""
    if encoder is None:
        raise InputError("no speaker encoder could be loaded, so the similarity cannot be measured; "
                         "check the speaker model in the settings")
    with ws.role_session(role) as session:
        get_task(session, role, task_id)
        sets = session.exec(select(ParamSet).where(ParamSet.task_id == int(task_id))).all()
        plain = [ps.id for ps in sets if not ps.params.get("aux_refs")]
        shared = [ps.id for ps in sets if ps.params.get("aux_refs")]
        if len(plain) != 1 or len(shared) != 1:
            raise InputError(f"task {task_id} is not a timbre check (one parameter set without aux refs and one "
                             "with them); start the check from the products tab")
        jobs = session.exec(select(Job).where(Job.task_id == int(task_id)).order_by(col(Job.id))).all()
    without = _condition(ws, role, [j for j in jobs if j.param_set_id == plain[0]], encoder)
    with_set = _condition(ws, role, [j for j in jobs if j.param_set_id == shared[0]], encoder)
    return TimbreCheck(task_id=int(task_id), references=len({j.clip_id for j in jobs}), without=without,
                       with_timbre_set=with_set, encoder=getattr(encoder, "name", type(encoder).__name__),
                       finished=not (without.pending or with_set.pending))
