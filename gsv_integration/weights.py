"""Find GPT-SoVITS weight files and read their versions without torch.

Also reads GPT-SoVITS's own source text to tell which versions and
parameters the installed code supports. Standard library only: the worker
loads this file inside GPT-SoVITS's interpreter too.
"""
from __future__ import annotations

import hashlib
import io
import os
import pickle
import re
import subprocess
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any, BinaryIO

GPT_PATTERN = ("GPT_weights*", "*.ckpt")
SOVITS_PATTERN = ("SoVITS_weights*", "*.pth")

# First two bytes of a SoVITS file saved by GPT-SoVITS's process_ckpt.my_save2
# (the zip's "PK" replaced by a tag): tag -> (version, is LoRA).
SOVITS_HEADERS: dict[bytes, tuple[str, bool]] = {
    b"00": ("v1", False),
    b"01": ("v2", False),
    b"02": ("v3", False),
    b"03": ("v3", True),
    b"04": ("v4", True),
    b"05": ("v2Pro", False),
    b"06": ("v2ProPlus", False),
}
# md5 of the first 8 KiB of upstream's pretrained SoVITS files (process_ckpt.py).
PRETRAINED_SOVITS_MD5 = {
    "dc3c97e17592963677a4a1681f30c653": "v1",  # s2G488k.pth
    "6642b37f3dbb1f76882b69937c95a5f3": "v2",  # s2G2333k.pth
    "43797be674a37c1c83ee81081941ed0f": "v3",  # s2Gv3.pth
    "4f26b9476d0c5033e04162c486074374": "v4",  # s2Gv4.pth
    "c7e9fce2223f3db685cdfa1e6368728a": "v2Pro",  # s2Gv2Pro.pth
    "66b313e39455b57ab1b0bc0b239c9d0a": "v2ProPlus",  # s2Gv2ProPlus.pth
}
V1_SYMBOL_COUNT = 322  # SoVITS text embedding rows with v1 symbols
V1_PHONEME_VOCAB = 512  # GPT phoneme vocabulary with v1 symbols
SV_MODEL_RELPATH = "GPT_SoVITS/pretrained_models/sv/pretrained_eres2netv2w24s4ep4.ckpt"


class NotAModelError(ValueError):
    """The file is not a GPT-SoVITS weight file of the expected kind."""


def describe_weight(path: str | os.PathLike, *, kind: str | None = None) -> dict[str, Any]:
    """{"name", "file", "kind": gpt|sovits, "version", "lora"}; raises NotAModelError."""
    file = Path(path).resolve()
    kind = kind or _kind_from_suffix(file)
    if not file.is_file():
        raise NotAModelError(f"{kind} weights file {file} does not exist: pick an existing "
                             f"{'.ckpt' if kind == 'gpt' else '.pth'} file")
    try:
        version, lora = (_gpt_version(file), False) if kind == "gpt" else _sovits_version(file)
    except NotAModelError:
        raise
    except Exception as exc:  # zip/pickle errors of a damaged file
        raise _not_a_model(file, kind, f"unreadable ({type(exc).__name__}: {exc})") from exc
    return {"name": file.name, "file": str(file), "kind": kind, "version": version, "lora": lora}


def list_weights(roots: Iterable[str | os.PathLike]) -> dict[str, list[dict[str, Any]]]:
    """Weights under GPT-SoVITS roots / extra folders, with their versions.

    Each root is searched like GPT-SoVITS does (GPT_weights*/, SoVITS_weights*/)
    and also directly. Unreadable files go to "invalid" with the reason.
    """
    found: dict[str, list[dict[str, Any]]] = {"gpt": [], "sovits": [], "invalid": []}
    seen: set[Path] = set()
    for root in roots:
        root = Path(root).resolve()
        for kind, (folder_glob, file_glob) in (("gpt", GPT_PATTERN), ("sovits", SOVITS_PATTERN)):
            for file in _candidates(root, folder_glob, file_glob):
                if file in seen:
                    continue
                seen.add(file)
                try:
                    entry = describe_weight(file, kind=kind)
                except NotAModelError as exc:
                    found["invalid"].append({"file": str(file), "kind": kind, "error": str(exc)})
                    continue
                entry["name"] = _display_name(file, root)
                found[kind].append(entry)
    for kind in ("gpt", "sovits"):
        found[kind].sort(key=lambda e: _natural_key(e["name"]))
    return found


def _candidates(root: Path, folder_glob: str, file_glob: str) -> list[Path]:
    files = list(root.glob(file_glob)) + list(root.glob(f"{folder_glob}/{file_glob}"))
    return sorted(p.resolve() for p in files if p.is_file())


def _display_name(file: Path, root: Path) -> str:
    # Like GPT-SoVITS's dropdowns: the folder tells v2 from v2Pro weights.
    return file.relative_to(root).as_posix() if file.is_relative_to(root) else file.name


def _natural_key(text: str) -> list[Any]:
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", text)]


def _kind_from_suffix(file: Path) -> str:
    suffix = file.suffix.lower()
    if suffix == ".ckpt":
        return "gpt"
    if suffix == ".pth":
        return "sovits"
    raise NotAModelError(f"{file}: not a GPT-SoVITS weight file (GPT weights end in .ckpt, "
                         f"SoVITS weights in .pth)")


def _not_a_model(file: Path, kind: str, why: str) -> NotAModelError:
    label = "GPT (.ckpt)" if kind == "gpt" else "SoVITS (.pth)"
    return NotAModelError(f"{file} is not a GPT-SoVITS {label} weight file: {why}. "
                          f"Choose a file trained by GPT-SoVITS or re-export it.")


def _gpt_version(file: Path) -> str:
    with open(file, "rb") as fh:
        if fh.read(2) != b"PK":
            raise _not_a_model(file, "gpt", "no torch zip header")
        fh.seek(0)
        data = _load_pickle_skeleton(fh)
    if not isinstance(data, dict) or "weight" not in data or "config" not in data:
        raise _not_a_model(file, "gpt", "no 'weight'/'config' entries")
    vocab = data["config"].get("model", {}).get("phoneme_vocab_size")
    return "v1" if vocab == V1_PHONEME_VOCAB else "v2"


def _sovits_version(file: Path) -> tuple[str, bool]:
    with open(file, "rb") as fh:
        head = fh.read(8192)
        pretrained = PRETRAINED_SOVITS_MD5.get(hashlib.md5(head).hexdigest())
        tag = head[:2]
        if tag != b"PK" and tag not in SOVITS_HEADERS:
            raise _not_a_model(file, "sovits", f"unknown header {tag!r}")
        fh.seek(0)
        data = _load_pickle_skeleton(_ZipHeadFixer(fh) if tag != b"PK" else fh)
    if not isinstance(data, dict) or "weight" not in data:
        raise _not_a_model(file, "sovits", "no 'weight' entry")
    if pretrained:
        return pretrained, False
    if tag != b"PK":
        return SOVITS_HEADERS[tag]
    return _plain_zip_sovits_version(file, data), False


def _plain_zip_sovits_version(file: Path, data: dict) -> str:
    # Files saved by torch.save directly: v1/v2 by the text embedding size,
    # as TTS.init_vits_weights decides; huge ones are old v3/v4 weights.
    if file.stat().st_size >= 700 * 1024 * 1024:
        return "v3"
    embedding = data["weight"].get("enc_p.text_embedding.weight")
    rows = _tensor_size(embedding)[:1]
    return "v1" if rows == (V1_SYMBOL_COUNT,) else "v2"


class _Stub(dict):
    """Stands for any class a checkpoint's pickle names; never imports it."""

    def __init__(self, *args, **kwargs):
        super().__init__()
        self.args = args

    def __setstate__(self, state):
        if isinstance(state, dict):
            self.update(state)
        self.state = state


class _SkeletonUnpickler(pickle.Unpickler):
    # Builds plain containers and stubs: loading a checkpoint this way runs
    # no code from it and reads no tensor data.
    def find_class(self, module: str, name: str):
        return type(name, (_Stub,), {"module": module})

    def persistent_load(self, pid):
        return ("storage", pid)


def _load_pickle_skeleton(fh: BinaryIO) -> Any:
    with zipfile.ZipFile(fh) as archive:
        member = next((n for n in archive.namelist() if n.endswith("data.pkl")), None)
        if member is None:
            raise ValueError("zip without data.pkl (not a torch checkpoint)")
        with archive.open(member) as pkl:
            return _SkeletonUnpickler(io.BytesIO(pkl.read())).load()


def _tensor_size(value: Any) -> tuple:
    # torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)
    args = getattr(value, "args", ())
    return tuple(args[2]) if len(args) > 2 and isinstance(args[2], (tuple, list)) else ()


class _ZipHeadFixer(io.RawIOBase):
    """Reads a tagged SoVITS file as the zip it was: bytes 0-1 read as b"PK"."""

    def __init__(self, fh: BinaryIO):
        self.fh = fh

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.fh.seek(offset, whence)

    def tell(self) -> int:
        return self.fh.tell()

    def readinto(self, buffer) -> int:
        start = self.fh.tell()
        data = self.fh.read(len(buffer))
        if start < 2 and data:
            data = (b"PK"[start:] + data[2 - start:]) if len(data) >= 2 - start else data
        buffer[:len(data)] = data
        return len(data)


# ---------------------------------------------------------------- capabilities
def locate_code_root(gsv_root: str | os.PathLike, gsv_python: str | None = None) -> Path | None:
    """Folder holding GPT-SoVITS's code (with GPT_SoVITS/TTS_infer_pack).

    A GPT-SoVITS checkout or integration package has it under its root; the
    PyPI build (gpt-sovits-cpufast) has it in the runtime's site-packages.
    """
    root = Path(gsv_root).resolve()
    if (root / "GPT_SoVITS" / "TTS_infer_pack").is_dir():
        return root
    if not gsv_python:
        return None
    probe = ("import importlib.util as u; s = u.find_spec('gpt_sovits_cpufast'); "
             "print(s.origin if s and s.origin else '')")
    out = subprocess.run([gsv_python, "-I", "-c", probe], capture_output=True, text=True,
                         timeout=60, check=False).stdout.strip()
    return Path(out).resolve().parent.parent if out else None


def detect_capabilities(code_root: str | os.PathLike | None,
                        data_root: str | os.PathLike | None = None) -> dict[str, Any]:
    """What the installed GPT-SoVITS supports, read from its source text."""
    if code_root is None:
        return {"found": False, "error": "GPT-SoVITS code not found: set --gsv-root to a "
                "GPT-SoVITS folder or --gsv-python to a runtime that has it installed"}
    code = Path(code_root)
    tts_py = code / "GPT_SoVITS" / "TTS_infer_pack" / "TTS.py"
    if not tts_py.is_file():
        return {"found": False, "error": f"{tts_py} is missing: not a GPT-SoVITS code folder"}
    tts_src = tts_py.read_text(encoding="utf-8", errors="replace")
    split_src = _read(code / "GPT_SoVITS" / "TTS_infer_pack" / "text_segmentation_method.py")
    data = Path(data_root) if data_root else code
    versions = sorted(set(re.findall(r'"(v[1-4](?:Pro(?:Plus)?)?)"\s*:\s*\{', tts_src)),
                      key=_natural_key)
    return {
        "found": True,
        "code_root": str(code),
        "versions": versions,
        "parameters": {name: f'"{name}"' in tts_src for name in (
            "sample_steps", "super_sampling", "repetition_penalty", "aux_ref_audio_paths",
            "speed_factor", "seed", "batch_size", "parallel_infer", "fragment_interval")},
        "languages": _languages(tts_src),
        "text_split_methods": re.findall(r'register_method\(\s*"(cut\d+)"', split_src),
        "api_v2": (code / "api_v2.py").is_file(),
        "sv_model": (data / SV_MODEL_RELPATH).is_file(),
    }


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""


def _languages(tts_src: str) -> list[str]:
    match = re.search(r"v2_languages\s*:\s*list\s*=\s*\[([^\]]*)\]", tts_src)
    return re.findall(r'"([a-z_]+)"', match.group(1)) if match else []
