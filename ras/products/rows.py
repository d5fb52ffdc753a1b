"""Products: a winning configuration kept ready for GPT-SoVITS, as rows of the role DB.

A product copies its reference clip (and aux references) into roles/<role>/products/<id>/,
so it survives the clip's deletion, and stores the weights, prompt and every parameter the
engine received for the source result. Names are unique across all roles: scripts call
/tts by product name (ras.products.speech); ras.products.export makes the zip GPT-SoVITS users take away.
"""
from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from sqlmodel import col, select

from ras.audio.files import atomic_target
from ras.emotions import DEFAULT_EMOTION, Reference
from ras.errors import InputError, NotFound
from ras.gate import Gate, checked_max_tries
from ras.queue import versions
from ras.queue.task_spec import spec_names
from ras.results import finished_result
from ras.store.db import get_row
from ras.store.lookups import clip_audio_path
from ras.store.role_tables import Clip, Job, ParamSet, Product
from ras.store.workspace import Workspace

PRODUCTS_DIR = "products"
# SynthesisRequest fields that are not "parameters": texts, prompt and paths.
NOT_PARAMS = ("text", "text_lang", "ref_audio_path", "prompt_text", "prompt_lang", "aux_ref_audio_paths",
              "gpt_weights", "sovits_weights")


@dataclass(frozen=True)
class ProductInfo:
    """A product as the page lists it and /list_products answers: everything needed to speak with it."""

    product_id: int
    name: str
    role: str
    version: str  # the model version read from the weights (v2, v2Pro...)
    gpt_weights: str
    sovits_weights: str
    ref_audio: str  # the copy in the product's folder
    prompt_text: str
    prompt_lang: str
    aux_refs: tuple[str, ...]
    params: dict  # the SynthesisRequest fields besides texts and paths
    parameters: dict  # the same under the task-spec names (gpt, sovits, top_k, speed...)
    score: float | None
    max_tries: int  # /tts re-rolls a take failing the gate up to this many tries
    gate: Gate
    note: str
    source_result_id: int | None
    source_clip_id: int | None
    # a reference per emotion besides the default one (which speaks DEFAULT_EMOTION and untagged text)
    emotions: dict[str, Reference]  # ref_audio: the copy in the product's folder
    created_at: datetime
    gsv_version: str | None  # the GPT-SoVITS code it was made with; None when not recorded
    weight_versions: tuple[dict, ...] | None
    default_emotion: str = DEFAULT_EMOTION  # what untagged text and a "neutral" tag are spoken with
    aux_clip_ids: tuple[int, ...] = ()  # the role's clips its aux references (its timbre set) came from

    @property
    def key(self) -> str:
        """Role and id in one picker value (names are unique, ids only within a role)."""
        return f"{self.role}|{self.product_id}"


def _weight_version(gpt: str, sovits: str) -> str:
    from gsv_integration.weights import NotAModelError, describe_weight

    for path, kind in ((sovits, "sovits"), (gpt, "gpt")):
        if path:
            try:
                return describe_weight(path, kind=kind)["version"]
            except (NotAModelError, OSError):
                continue
    return ""


def find_product(ws: Workspace, name: str) -> tuple[str, int] | None:
    """(role, id) of the product called `name` in any role."""
    for role in ws.role_names():
        with ws.role_session(role) as session:
            product_id = session.exec(select(Product.id).where(Product.name == name)).first()
        if product_id is not None:
            return role, product_id
    return None


def _check_name(ws: Workspace, name: str, *, allow: tuple[str, int] | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise InputError("a product needs a name; type one")
    owner = find_product(ws, name)
    if owner is not None and owner != allow:
        raise InputError(f"a product named {name!r} already exists (role {owner[0]!r}); names are unique across roles")
    return name


def copy_into(source: Path, folder: Path, stem: str) -> str:
    if not source.is_file():
        raise NotFound(f"reference audio {source} is missing; re-import the clip first")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{stem}{source.suffix.lower()}"
    with atomic_target(target) as temp:
        shutil.copyfile(source, temp)
    return target.name


def suggest_name(*, ws: Workspace, role: str, result_id: int) -> str:
    """A free product name for a result: "<role>-<id>", then "-2", "-3"... if taken."""
    return free_name(ws=ws, base=f"{role}-{result_id}")


def free_name(*, ws: Workspace, base: str) -> str:
    """`base` if no product of any role has it, else the first free "<base>-2", "<base>-3"..."""
    name, n = base, 1
    while find_product(ws, name) is not None:
        n += 1
        name = f"{base}-{n}"
    return name


def create_product(*, ws: Workspace, role: str, result_id: int, name: str, note: str = "") -> int:
    name = _check_name(ws, name)
    role_dir = ws.role_dir(role)
    with ws.role_session(role) as session:
        job, sent = finished_result(session, role, result_id)
        clip = session.get(Clip, job.clip_id)
        gsv_version, weight_versions = versions.for_product(
            session, job.task_id, (sent.get("gpt_weights", ""), sent.get("sovits_weights", "")))
        product = Product(name=name, gpt_weights=sent.get("gpt_weights", ""),
                          sovits_weights=sent.get("sovits_weights", ""), prompt_text=sent.get("prompt_text", ""),
                          prompt_lang=sent.get("prompt_lang", "zh"), score=job.score, note=note or "",
                          params_json=json.dumps({k: v for k, v in sent.items() if k not in NOT_PARAMS}),
                          source_result_id=job.id, source_clip_id=job.clip_id,
                          version=_weight_version(sent.get("gpt_weights", ""), sent.get("sovits_weights", "")),
                          gsv_version=gsv_version, weight_versions_json=weight_versions)
        session.add(product)
        session.flush()
        folder = role_dir / PRODUCTS_DIR / str(product.id)
        try:
            product.ref_audio = f"{PRODUCTS_DIR}/{product.id}/" + copy_into(
                clip_audio_path(ws, role, clip) if clip else Path(sent["ref_audio_path"]), folder, "ref")
            aux_paths = sent.get("aux_ref_audio_paths") or []
            product.aux_refs_json = json.dumps([f"{PRODUCTS_DIR}/{product.id}/" + copy_into(Path(p), folder, f"aux{i}")
                                                for i, p in enumerate(aux_paths)])
            product.aux_clip_ids_json = _aux_clip_ids(session, job, len(aux_paths))
            session.add(product)
            session.commit()
        except BaseException:
            session.rollback()
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return product.id


def _aux_clip_ids(session, job: Job, count: int) -> str:
    """The clips a result's aux references were (its parameter set names them, in the order sent); "" when unknown."""
    param_set = session.get(ParamSet, job.param_set_id)
    clip_ids = (param_set.params.get("aux_refs") or []) if param_set else []
    return json.dumps(clip_ids) if count and len(clip_ids) == count else ""


def product_info(ws: Workspace, role: str, product: Product) -> ProductInfo:
    role_dir = ws.role_dir(role)
    params = product.params
    made_with = versions.recorded(product)
    weight_versions = made_with["weight_versions"]
    return ProductInfo(
        product_id=product.id, name=product.name, role=role, version=product.version,
        gpt_weights=product.gpt_weights, sovits_weights=product.sovits_weights,
        ref_audio=str(role_dir / product.ref_audio), prompt_text=product.prompt_text,
        prompt_lang=product.prompt_lang, aux_refs=tuple(str(role_dir / p) for p in product.aux_refs),
        params=params, parameters=spec_parameters(product, params), score=product.score,
        max_tries=product.max_tries, gate=Gate.from_json(product.gate_json), note=product.note,
        source_result_id=product.source_result_id, source_clip_id=product.source_clip_id,
        emotions={emotion: replace(reference, ref_audio=str(role_dir / reference.ref_audio))
                  for emotion, reference in sorted(product.emotions.items())},
        created_at=product.created_at, gsv_version=made_with["gsv_version"],
        weight_versions=None if weight_versions is None else tuple(weight_versions),
        aux_clip_ids=tuple(product.aux_clip_ids))


def spec_parameters(product: Product, params: dict) -> dict:
    """The product's parameters (Product.params) under the task-spec names (gpt, sovits, top_k, speed...)."""
    return spec_names({**params, "gpt_weights": product.gpt_weights, "sovits_weights": product.sovits_weights})


def list_products(*, ws: Workspace, role: str = "") -> list[ProductInfo]:
    found = []
    for name in [role] if role else ws.role_names():
        with ws.role_session(name) as session:
            found += [product_info(ws, name, p) for p in session.exec(select(Product).order_by(col(Product.id)))]
    return found


def product_row(session, role: str, product_id: int) -> Product:
    return get_row(session, Product, product_id, "product", role)


def source_result(*, ws: Workspace, role: str, product_id: int) -> int:
    """The finished result a product was made from (its configuration, for a long text read with it alone)."""
    with ws.role_session(role) as session:
        product = product_row(session, role, product_id)
        result = session.get(Job, product.source_result_id) if product.source_result_id is not None else None
        if result is None or result.status != "done":
            raise InputError(f"product {product.name!r} no longer has the result it was made from; "
                             "choose one or more results to read the text")
        return result.id


def get_product(*, ws: Workspace, role: str, product_id: int) -> ProductInfo:
    with ws.role_session(role) as session:
        return product_info(ws, role, product_row(session, role, product_id))


def rename_product(*, ws: Workspace, role: str, product_id: int, name: str) -> ProductInfo:
    name = _check_name(ws, name, allow=(role, int(product_id)))
    with ws.role_session(role) as session:
        product = product_row(session, role, product_id)
        product.name = name
        session.add(product)
        session.commit()
        return product_info(ws, role, product)


def delete_product(*, ws: Workspace, role: str, product_id: int) -> None:
    with ws.role_session(role) as session:
        session.delete(product_row(session, role, product_id))
        session.commit()
    shutil.rmtree(ws.role_dir(role) / PRODUCTS_DIR / str(int(product_id)), ignore_errors=True)


def set_autopilot(*, ws: Workspace, role: str, product_id: int, max_tries: int,
                  options: dict | None = None) -> ProductInfo:
    """A product's preferred tries per /tts call and the gate a take must pass (see ras.gate)."""
    tries, gate = checked_max_tries(max_tries), Gate.from_options(options)
    with ws.role_session(role) as session:
        product = product_row(session, role, product_id)
        product.max_tries, product.gate_json = tries, gate.to_json()
        session.add(product)
        session.commit()
        return product_info(ws, role, product)
