"""Products: a winning configuration kept ready for GPT-SoVITS, exported, and synthesized by name.

A product copies its reference clip (and aux references) into roles/<role>/products/<id>/,
so it survives the clip's deletion, and stores the weights, prompt and every parameter the
engine received for the source result. Names are unique across all roles: scripts call
/tts by product name. The export zip holds what GPT-SoVITS users need (see export_product).
"""
from __future__ import annotations

import dataclasses
import json
import logging
import random
import re
import shutil
import uuid
import zipfile
from pathlib import Path

from sqlmodel import col, select

from gsv_integration.request import SynthesisRequest
from ras.audio.files import atomic_target
from ras.audio.wav_tags import embed_settings
from ras.errors import InputError, NotFound
from ras.library.clips import clip_audio_path
from ras.long_text.autopilot import Gate, Take, best_take, checked_max_tries, passes, rate_range, with_cer_floors
from ras.queue import versions
from ras.queue.task_spec import spec_names
from ras.results import finished_result
from ras.store.db import get_row
from ras.store.role_tables import Clip, Product
from ras.store.workspace import Workspace

log = logging.getLogger(__name__)

PRODUCTS_DIR = "products"
TTS_KEEP = 50  # synthesized files kept per product; older ones are removed
# SynthesisRequest fields that are not "parameters": texts, prompt and paths.
NOT_PARAMS = ("text", "text_lang", "ref_audio_path", "prompt_text", "prompt_lang", "aux_ref_audio_paths",
              "gpt_weights", "sovits_weights")
# GPT-SoVITS webui language labels, used by GSVI's infer_config.json "prompt_language".
GSVI_LANGUAGE = {"all_zh": "中文", "zh": "中英混合", "en": "英文", "all_ja": "日文", "ja": "日英混合",
                 "all_ko": "韩文", "ko": "韩英混合", "all_yue": "粤语", "yue": "粤英混合", "auto": "多语种混合",
                 "auto_yue": "多语种混合(粤语)"}
API_V2_URL = "http://127.0.0.1:9880"


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


def _copy_into(source: Path, folder: Path, stem: str) -> str:
    if not source.is_file():
        raise FileNotFoundError(f"reference audio {source} is missing; re-import the clip first")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{stem}{source.suffix.lower()}"
    with atomic_target(target) as temp:
        shutil.copyfile(source, temp)
    return target.name


def suggest_name(*, ws: Workspace, role: str, result_id: int) -> str:
    """A free product name for a result: "<role>-<id>", then "-2", "-3"... if taken."""
    base = f"{role}-{result_id}"
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
            product.ref_audio = f"{PRODUCTS_DIR}/{product.id}/" + _copy_into(
                clip_audio_path(ws, role, clip) if clip else Path(sent["ref_audio_path"]), folder, "ref")
            product.aux_refs_json = json.dumps([f"{PRODUCTS_DIR}/{product.id}/" + _copy_into(Path(p), folder, f"aux{i}")
                                                for i, p in enumerate(sent.get("aux_ref_audio_paths") or [])])
            session.add(product)
            session.commit()
        except BaseException:
            session.rollback()
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return product.id


def product_as_dict(ws: Workspace, role: str, product: Product) -> dict:
    role_dir = ws.role_dir(role)
    params = json.loads(product.params_json)
    return {"product_id": product.id, "name": product.name, "role": role, "version": product.version,
            "gpt_weights": product.gpt_weights, "sovits_weights": product.sovits_weights,
            "ref_audio": str(role_dir / product.ref_audio), "prompt_text": product.prompt_text,
            "prompt_lang": product.prompt_lang,
            "aux_refs": [str(role_dir / p) for p in json.loads(product.aux_refs_json)],
            "params": params, "parameters": spec_parameters(product, params), "score": product.score,
            "max_tries": product.max_tries, "gate": json.loads(Gate.from_json(product.gate_json).to_json()),
            "note": product.note,
            "source_result_id": product.source_result_id, "source_clip_id": product.source_clip_id,
            "created_at": product.created_at.isoformat(), **versions.recorded(product)}


def spec_parameters(product: Product, params: dict) -> dict:
    """The product's parameters (its parsed params_json) under the task-spec names (gpt, sovits, top_k, speed...)."""
    return spec_names({**params, "gpt_weights": product.gpt_weights, "sovits_weights": product.sovits_weights})


def list_products(*, ws: Workspace, role: str = "") -> list[dict]:
    found = []
    for name in [role] if role else ws.role_names():
        with ws.role_session(name) as session:
            found += [product_as_dict(ws, name, p) for p in session.exec(select(Product).order_by(col(Product.id)))]
    return found


def _get(session, role: str, product_id: int) -> Product:
    return get_row(session, Product, product_id, "product", role)


def get_product(*, ws: Workspace, role: str, product_id: int) -> dict:
    with ws.role_session(role) as session:
        return product_as_dict(ws, role, _get(session, role, product_id))


def rename_product(*, ws: Workspace, role: str, product_id: int, name: str) -> dict:
    name = _check_name(ws, name, allow=(role, int(product_id)))
    with ws.role_session(role) as session:
        product = _get(session, role, product_id)
        product.name = name
        session.add(product)
        session.commit()
        return product_as_dict(ws, role, product)


def delete_product(*, ws: Workspace, role: str, product_id: int) -> None:
    with ws.role_session(role) as session:
        session.delete(_get(session, role, product_id))
        session.commit()
    shutil.rmtree(ws.role_dir(role) / PRODUCTS_DIR / str(int(product_id)), ignore_errors=True)


def set_autopilot(*, ws: Workspace, role: str, product_id: int, max_tries: int, options: dict | None = None) -> dict:
    """A product's preferred tries per /tts call and the gate a take must pass (see ras.long_text.autopilot)."""
    tries, gate = checked_max_tries(max_tries), Gate.from_options(options)
    with ws.role_session(role) as session:
        product = _get(session, role, product_id)
        product.max_tries, product.gate_json = tries, gate.to_json()
        session.add(product)
        session.commit()
        return product_as_dict(ws, role, product)


def build_request(ws: Workspace, role: str, product: Product, text: str, text_lang: str) -> SynthesisRequest:
    role_dir = ws.role_dir(role)
    return SynthesisRequest(
        text=text, text_lang=text_lang, ref_audio_path=str(role_dir / product.ref_audio),
        prompt_text=product.prompt_text, prompt_lang=product.prompt_lang,
        aux_ref_audio_paths=[str(role_dir / p) for p in json.loads(product.aux_refs_json)],
        gpt_weights=product.gpt_weights, sovits_weights=product.sovits_weights, **json.loads(product.params_json),
    ).validate()


def _safe_name(name: str) -> str:
    return re.sub(r'[\\/:*?"<>|\s]+', "_", name).strip("._") or "product"


def export_files(ws: Workspace, role: str, product: Product) -> dict[str, bytes | Path]:
    """Archive name -> bytes or a file to copy."""
    role_dir = ws.role_dir(role)
    ref = role_dir / product.ref_audio
    aux = [role_dir / p for p in json.loads(product.aux_refs_json)]
    params = json.loads(product.params_json)
    synthesis = {**params, "prompt_text": product.prompt_text, "prompt_lang": product.prompt_lang,
                 "ref_audio_path": ref.name, "aux_ref_audio_paths": [p.name for p in aux],
                 "gpt_weights": product.gpt_weights, "sovits_weights": product.sovits_weights}
    made_with = versions.recorded(product)
    weight_version = {w["file"]: w["version"] for w in made_with["weight_versions"] or ()}
    settings = {"name": product.name, "role": role, "gpt_sovits_version": product.version,
                "gpt_sovits_code_version": made_with["gsv_version"] or NOT_RECORDED,
                "gpt_weights": {"name": Path(product.gpt_weights).name, "path": product.gpt_weights,
                                "version": weight_version.get(product.gpt_weights, NOT_RECORDED)},
                "sovits_weights": {"name": Path(product.sovits_weights).name, "path": product.sovits_weights,
                                   "version": weight_version.get(product.sovits_weights, NOT_RECORDED)},
                "ref_audio": ref.name, "prompt_text": product.prompt_text, "prompt_lang": product.prompt_lang,
                "aux_refs": [p.name for p in aux], "parameters": spec_parameters(product, params),
                "synthesis_request": synthesis, "score": product.score, "note": product.note,
                "autopilot": {"max_tries": product.max_tries,
                              "gate": json.loads(Gate.from_json(product.gate_json).to_json()),
                              "meaning": AUTOPILOT_MEANING},
                "source_result_id": product.source_result_id}
    body = SynthesisRequest(text="", text_lang=product.prompt_lang, ref_audio_path=str(ref),
                            prompt_text=product.prompt_text, prompt_lang=product.prompt_lang,
                            aux_ref_audio_paths=[str(p) for p in aux], **params).to_tts_inputs()
    body.update(text="你好，这是一段测试语音。" if product.prompt_lang in ("zh", "all_zh")
                else "Hello, this is a test.", text_lang=product.prompt_lang, media_type="wav")
    folder = f"gsvi/{_safe_name(product.name)}"

    def dump(data) -> bytes:
        return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")

    gsvi = {"version": "1.0.1", "software_version": "1.1", "gpt_path": product.gpt_weights,
            "sovits_path": product.sovits_weights, "简介": f"RAS product {product.name} (role {role})",
            "emotion_list": {"default": {"ref_wav_path": ref.name, "prompt_text": product.prompt_text,
                                         "prompt_language": GSVI_LANGUAGE.get(product.prompt_lang, "多语种混合")}}}
    # the reference wav carries the product's settings too, so a copy passed around alone still says them
    tagged_ref = embed_settings(ref.read_bytes(), settings) if ref.suffix.lower() == ".wav" else ref
    files: dict[str, bytes | Path] = {ref.name: tagged_ref, **{p.name: p for p in aux},
                                      f"{folder}/{ref.name}": tagged_ref, f"{ref.stem}.json": dump(settings)}
    files.update({"settings.json": dump(settings), "api_v2_request.json": dump(body),
                  "curl.txt": curl_lines(product, body).encode("utf-8"), f"{folder}/infer_config.json": dump(gsvi),
                  "README.txt": EXPORT_README.format(
                      name=product.name, folder=folder, code=settings["gpt_sovits_code_version"],
                      gpt=f"{settings['gpt_weights']['name']} ({settings['gpt_weights']['version']})",
                      sovits=f"{settings['sovits_weights']['name']} ({settings['sovits_weights']['version']})",
                  ).encode("utf-8")})
    return files


def curl_lines(product: Product, body: dict) -> str:
    from urllib.parse import quote

    lines = ["# GPT-SoVITS api_v2 (python api_v2.py -a 127.0.0.1 -p 9880): load the weights, then synthesize"]
    if product.gpt_weights:
        lines.append(f'curl "{API_V2_URL}/set_gpt_weights?weights_path={quote(product.gpt_weights)}"')
    if product.sovits_weights:
        lines.append(f'curl "{API_V2_URL}/set_sovits_weights?weights_path={quote(product.sovits_weights)}"')
    lines.append(f'curl -X POST "{API_V2_URL}/tts" -H "Content-Type: application/json" '
                 f'-d @api_v2_request.json -o output.wav')
    lines.append("# one line, without the file:")
    payload = json.dumps(body, ensure_ascii=False).replace("'", "'\\''")
    lines.append(f"curl -X POST \"{API_V2_URL}/tts\" -H \"Content-Type: application/json\" "
                 f"-d '{payload}' -o output.wav")
    return "\n".join(lines) + "\n"


AUTOPILOT_MEANING = ("RAS's /tts re-synthesizes with a new seed, up to max_tries takes, until a take passes the "
                     "gate: no hard flag (repeat, long_pause, truncated, no_speech, held_tone), auto score >= "
                     "min_auto_score, chars/s within rate_tolerance of the median of the takes (once min_rate_takes "
                     "exist), ASR error rate <= max_cer when measured; the best take is returned")

NOT_RECORDED = "not recorded"  # a product kept from a task made before RAS recorded versions

EXPORT_README = """RAS product "{name}"

Made with GPT-SoVITS {code}
  GPT weights     {gpt}
  SoVITS weights  {sovits}
GPT-SoVITS changes default parameters and decoding between releases: the same settings on another
version may sound different. settings.json repeats these under "gpt_sovits_code_version" and each
weight's "version" ("gpt_sovits_version" is the model version RAS read from the weights).

settings.json        every parameter (task-spec names under "parameters"; SynthesisRequest fields under
                     "synthesis_request", reference paths relative to this folder); "autopilot" holds the
                     tries per /tts call and the quality gate RAS re-rolls bad takes with
api_v2_request.json  a ready POST /tts body for GPT-SoVITS api_v2; ref_audio_path is the copy in RAS's
                     roles folder - change it if api_v2 runs on another machine
curl.txt             loading the weights (/set_gpt_weights, /set_sovits_weights) and the /tts call
{folder}/            a GPT-SoVITS-Inference (GSVI) character folder: copy it into GSVI's trained/ folder;
                     infer_config.json names the weights by their full path (copy the .ckpt/.pth beside it
                     and keep only the file names if you move it to another machine)
"""


def export_product(*, ws: Workspace, role: str, product_id: int) -> Path:
    with ws.role_session(role) as session:
        product = _get(session, role, product_id)
    target = ws.role_dir(role) / PRODUCTS_DIR / str(product.id) / f"product_{product.id}.zip"
    with atomic_target(target) as temp, zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in export_files(ws, role, product).items():
            if isinstance(content, Path):
                archive.write(content, name)
            else:
                archive.writestr(name, content)
    return target


def tts(*, ws: Workspace, runner, product: str, text: str, text_lang: str, max_tries: int = 1,
        measure=None, gate: Gate | None = None) -> Path:
    """Synthesize `text` with the product named `product` (any role); returns the wav.

    With max_tries > 1 each take is measured (`measure(wav, text, text_lang, ref, prompt_text=...)`
    -> the analysis report; the reference's text lets it catch a take that speaks it) and judged by
    the gate (the product's own unless `gate` is given); a take that fails is synthesized again with
    a new seed, and the best take is returned."""
    tries = checked_max_tries(max_tries)
    if tries > 1 and measure is None:
        raise ValueError("max_tries > 1 needs the analysis step to measure takes")
    owner = find_product(ws, (product or "").strip())
    if owner is None:
        raise NotFound(f"no product named {product!r}; see /list_products")
    role, product_id = owner
    with ws.role_session(role) as session:
        row = _get(session, role, product_id)
    gate = gate or Gate.from_json(row.gate_json)
    request = build_request(ws, role, row, text, text_lang)
    folder = ws.role_dir(role) / PRODUCTS_DIR / str(product_id) / "tts"
    folder.mkdir(parents=True, exist_ok=True)
    takes: list[tuple[Take, Path]] = []
    for attempt in range(tries):
        if attempt:  # the product's own seed gave a bad take: another seed, same everything else
            request = dataclasses.replace(request, seed=random.randint(0, 2**31 - 1))
        final = folder / f"{uuid.uuid4().hex[:16]}.wav"
        with atomic_target(final) as temp:
            runner.synthesize_now(request, str(temp))
        if tries == 1:
            break
        takes.append((_measured_take(measure, len(takes), final, text, text_lang, request), final))
        measured = with_cer_floors([t for t, _ in takes])
        if passes(measured[-1], gate, rate_range(measured, gate)):
            break
    if tries > 1:
        measured = with_cer_floors([t for t, _ in takes])
        best = best_take(measured, gate, rate_range(measured, gate))
        final = takes[best.take_id][1]
        for _, path in takes:
            if path != final:
                path.unlink(missing_ok=True)
    _prune(folder)
    return final


def _measured_take(measure, index: int, wav: Path, text: str, text_lang: str, request: SynthesisRequest) -> Take:
    """What the gate reads of one /tts take; a take that cannot be measured does not pass (the next try
    goes on, and it is returned only when no take could be measured)."""
    try:
        report = measure(wav, text, text_lang, Path(request.ref_audio_path), prompt_text=request.prompt_text)
    except Exception as exc:  # noqa: BLE001 - any failure to measure leaves the take unmeasured, not the call failed
        log.warning("could not measure /tts take %s: %s: %s", wav.name, type(exc).__name__, exc)
        return Take(index, False, analysis_failed=True)
    metrics = report["metrics"]
    return Take(index, True, report["auto_score"], tuple(report["flags"]), metrics.get("chars_per_second"),
                metrics.get("cer"))


def _prune(folder: Path) -> None:
    files = sorted(folder.glob("*.wav"), key=lambda p: p.stat().st_mtime)
    for old in files[:-TTS_KEEP]:
        old.unlink(missing_ok=True)
