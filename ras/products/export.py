"""A product's export zip: what GPT-SoVITS users need to use it elsewhere.

settings.json (every parameter, the versions it was made with, the autopilot's gate), a ready api_v2
/tts body and the curl lines around it, a GPT-SoVITS-Inference (GSVI) character folder, and the
reference wav carrying the same settings in its own tags. A product with emotions adds each emotion's
reference (emotion_<name>.wav), its api_v2 body (api_v2_request_<name>.json), its entry in settings.json
"emotions", and its entry in GSVI's emotion_list (named in Chinese for a known emotion, as GSVI packs are).
"""
from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from urllib.parse import quote

from gsv_integration.request import SynthesisRequest
from ras.audio.files import atomic_target
from ras.audio.wav_tags import embed_settings
from ras.emotions import LABELS, Reference
from ras.gate import HARD_FLAGS, Gate
from ras.products.emotions import default_reference
from ras.products.rows import PRODUCTS_DIR, product_row, spec_parameters
from ras.queue import versions
from ras.store.role_tables import Product
from ras.store.workspace import Workspace

# GPT-SoVITS webui language labels, used by GSVI's infer_config.json "prompt_language".
GSVI_LANGUAGE = {"all_zh": "中文", "zh": "中英混合", "en": "英文", "all_ja": "日文", "ja": "日英混合",
                 "all_ko": "韩文", "ko": "韩英混合", "all_yue": "粤语", "yue": "粤英混合", "auto": "多语种混合",
                 "auto_yue": "多语种混合(粤语)"}
API_V2_URL = "http://127.0.0.1:9880"
AUTOPILOT_MEANING = ("RAS's /tts re-synthesizes with a new seed, up to max_tries takes, until a take passes the "
                     f"gate: no hard flag ({', '.join(HARD_FLAGS)}), auto score >= "
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


def _safe_name(name: str) -> str:
    return re.sub(r'[\\/:*?"<>|\s]+', "_", name).strip("._") or "product"


def export_files(ws: Workspace, role: str, product: Product) -> dict[str, bytes | Path]:
    """Archive name -> bytes or a file to copy."""
    role_dir = ws.role_dir(role)
    ref = role_dir / product.ref_audio
    aux = [role_dir / p for p in product.aux_refs]
    params = product.params
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
                              "gate": Gate.from_json(product.gate_json).as_dict(),
                              "meaning": AUTOPILOT_MEANING},
                "source_result_id": product.source_result_id}
    default = default_reference(product)
    body = _api_body(ref, default, aux, params)
    folder = f"gsvi/{_safe_name(product.name)}"
    emotion_files, settings["emotions"], emotion_list = _emotion_files(role_dir, product, aux, params, folder)

    def dump(data) -> bytes:
        return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")

    gsvi = {"version": "1.0.1", "software_version": "1.1", "gpt_path": product.gpt_weights,
            "sovits_path": product.sovits_weights, "简介": f"RAS product {product.name} (role {role})",
            "emotion_list": {"default": _gsvi_entry(ref.name, default), **emotion_list}}
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
    files.update({name: dump(content) if isinstance(content, dict) else content
                  for name, content in emotion_files.items()})
    return files


def _api_body(ref: Path, reference: Reference, aux: list[Path], params: dict) -> dict:
    """A ready api_v2 POST /tts body speaking a test sentence with `reference` (its file at `ref`)."""
    body = SynthesisRequest(text="", text_lang=reference.prompt_lang, ref_audio_path=str(ref),
                            prompt_text=reference.prompt_text, prompt_lang=reference.prompt_lang,
                            aux_ref_audio_paths=[str(p) for p in aux], **params).to_tts_inputs()
    body.update(text="你好，这是一段测试语音。" if reference.prompt_lang in ("zh", "all_zh")
                else "Hello, this is a test.", text_lang=reference.prompt_lang, media_type="wav")
    return body


def _gsvi_entry(file_name: str, reference: Reference) -> dict:
    """GSVI's emotion_list entry of a reference stored as `file_name` in the character folder."""
    return {"ref_wav_path": file_name, "prompt_text": reference.prompt_text,
            "prompt_language": GSVI_LANGUAGE.get(reference.prompt_lang, "多语种混合")}


def _emotion_files(role_dir: Path, product: Product, aux: list[Path], params: dict,
                   folder: str) -> tuple[dict[str, dict | Path], dict[str, dict], dict[str, dict]]:
    """Each emotion's reference and api_v2 body (archive name -> content), its settings.json "emotions"
    entry, and its GSVI emotion_list entry (named in Chinese for a known emotion)."""
    files: dict[str, dict | Path] = {}
    settings: dict[str, dict] = {}
    emotion_list: dict[str, dict] = {}
    for emotion, reference in sorted(product.emotions.items()):
        source = role_dir / reference.ref_audio
        name = f"emotion_{_safe_name(emotion)}{source.suffix.lower()}"
        settings[emotion] = {"ref_audio": name, "prompt_text": reference.prompt_text,
                             "prompt_lang": reference.prompt_lang}
        emotion_list[LABELS.get(emotion, emotion)] = _gsvi_entry(name, reference)
        files.update({name: source, f"{folder}/{name}": source,
                      f"api_v2_request_{_safe_name(emotion)}.json": _api_body(source, reference, aux, params)})
    return files, settings, emotion_list


def curl_lines(product: Product, body: dict) -> str:
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


def export_product(*, ws: Workspace, role: str, product_id: int) -> Path:
    with ws.role_session(role) as session:
        product = product_row(session, role, product_id)
    target = ws.role_dir(role) / PRODUCTS_DIR / str(product.id) / f"product_{product.id}.zip"
    with atomic_target(target) as temp, zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in export_files(ws, role, product).items():
            if isinstance(content, Path):
                archive.write(content, name)
            else:
                archive.writestr(name, content)
    return target
