"""What RAS found on this machine and uses: GPT-SoVITS root and version, engines, weights per
model version, the ASR model per language (and the languages the roles use that none hears, with the
download of a standard model for them), the speaker model, analysis backlog and free disk space."""
from __future__ import annotations

import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from gsv_integration import weights as gsv_weights
from ras.metrics.asr import AsrConfig
from ras.metrics.asr_fetch import fetch_standard_model
from ras.metrics.asr_models import LANGUAGES, AsrModel
from ras.metrics.rate import base_language
from ras.metrics.speaker import describe_encoder, find_gsv_sv_checkpoint
from ras.settings import Settings
from ras.store.lookups import role_languages
from ras.store.workspace import Workspace


@dataclass(frozen=True)
class EngineState:
    name: str
    state: str  # "not started", or what the runner says of it


@dataclass(frozen=True)
class AsrServing:
    """The speech recognition model that hears a language."""

    model: str  # the name its users know (a folder name, a hub id; the folder itself for --asr-model)
    backend: str  # "funasr" or "faster-whisper"
    folder: Path

    @classmethod
    def of(cls, model: AsrModel) -> AsrServing:
        name = str(model.folder) if model.source == "--asr-model" else model.label
        return cls(model=name, backend=model.backend, folder=model.folder)


@dataclass(frozen=True)
class FetchedAsr:
    """/fetch_asr_model's answer: the model that now hears the language."""

    lang: str
    model: str
    backend: str
    folder: Path
    downloaded: bool  # False: a complete folder was already there


@dataclass(frozen=True)
class MachineStatus:
    """/status and the header's status panel."""

    gsv_root: str | None
    gsv_version: str | None
    engines: list[EngineState]
    weights: dict[str, int]  # model files per GPT-SoVITS version
    asr: dict[str, AsrServing | None]  # per language GPT-SoVITS speaks (None: no model hears it)
    speaker_model: str
    analysis_backlog: int
    analysis_failed: int  # results analysis gave up on since start
    disk_free_bytes: int
    asr_refused: list[str] = field(default_factory=list)  # model folders found but not usable, each with why
    # the page's own reading of speaker_model: the encoder's name, and the v2Pro checkpoint installed but unused
    speaker_encoder: str = field(default="resemblyzer", metadata={"json": None})
    unused_sv_checkpoint: Path | None = field(default=None, metadata={"json": None})


def speaker_model_in_use(settings: Settings) -> str:
    return describe_encoder(str(settings.sv_model) if settings.sv_model else None)["name"]


def unused_v2pro_checkpoint(settings: Settings, encoder: str) -> Path | None:
    """GPT-SoVITS's v2Pro speaker-verification checkpoint when it is installed but the bundled encoder is used."""
    found = find_gsv_sv_checkpoint(settings.gsv_root)
    return found if found is not None and encoder == "resemblyzer" else None


def speaker_model(encoder: str, unused: Path | None) -> str:
    """The encoder in use; when GPT-SoVITS's v2Pro checkpoint is installed but not chosen, say where it is."""
    if unused is not None:
        return f"{encoder} (v2Pro speaker verification available: --sv-model {unused})"
    return encoder


def weights_per_version(model_roots: list[Path]) -> dict[str, int]:
    found = gsv_weights.list_weights(model_roots)
    return dict(sorted(Counter(e["version"] for kind in ("gpt", "sovits") for e in found[kind]).items()))


def engines(names: list[str], started: dict[str, str]) -> list[EngineState]:
    return [EngineState(name=name, state=started.get(name, "not started")) for name in names]


def disk_free_bytes(folder: Path) -> int:
    probe = folder
    while not probe.exists() and probe != probe.parent:  # the roles folder may not exist yet
        probe = probe.parent
    return shutil.disk_usage(probe).free


def asr_serving(models) -> dict[str, AsrServing | None]:
    return {lang: None if choice.model is None else AsrServing.of(choice.model)
            for lang, choice in models.choices().items()}


def languages_in_use(ws: Workspace) -> set[str]:
    """The languages GPT-SoVITS speaks that any role's clips or takes are in."""
    used = {base_language(lang) for role in ws.role_names() for lang in role_languages(ws, role)}
    return used & set(LANGUAGES)


def languages_without_asr(asr: dict[str, AsrServing | None], used: set[str]) -> list[str]:
    """The languages in use that no model hears (`asr`: MachineStatus.asr): their takes get no CER, swallowed
    words go unheard."""
    return [lang for lang in LANGUAGES if lang in used and asr.get(lang) is None]


def fetch_asr_model(*, settings: Settings, lang: str, progress=None) -> FetchedAsr:
    """Download the standard model of a language where discovery finds it (GPT-SoVITS's tools/asr/models,
    else the ModelScope cache), then say which model hears the language now. progress(bytes, total)."""
    fetched = fetch_standard_model(lang, gsv_root=settings.gsv_root, progress=progress)
    chosen = AsrConfig.from_settings(settings).choose(lang).model
    # --asr-model may still win for its language; what the answer names is what analysis will use
    serving = AsrServing.of(chosen if chosen is not None else fetched.model)
    return FetchedAsr(lang=base_language(lang), model=serving.model, backend=serving.backend,
                      folder=serving.folder, downloaded=fetched.downloaded)


def asr_status(settings: Settings) -> dict[str, AsrServing | None]:
    """Which model hears each language, without the rest of the machine's status."""
    return asr_serving(AsrConfig.from_settings(settings).models())


def machine_status(*, settings: Settings, backend, runner, analyzer) -> MachineStatus:
    models = AsrConfig.from_settings(settings).models()
    encoder = speaker_model_in_use(settings)
    unused = unused_v2pro_checkpoint(settings, encoder)
    return MachineStatus(
        gsv_root=str(settings.gsv_root) if settings.gsv_root else None,
        gsv_version=backend.local_code_version(),
        engines=engines(backend.engine_names(), runner.engine_states()),
        weights=weights_per_version(backend.model_roots()),
        asr=asr_serving(models),
        speaker_model=speaker_model(encoder, unused),
        analysis_backlog=analyzer.backlog if analyzer is not None else 0,
        # results analysis gave up on since start (each row says why in /list_results' analysis_error)
        analysis_failed=analyzer.failed if analyzer is not None else 0,
        disk_free_bytes=disk_free_bytes(settings.roles_dir),
        asr_refused=[refused.reason for refused in models.refused],
        speaker_encoder=encoder,
        unused_sv_checkpoint=unused,
    )
