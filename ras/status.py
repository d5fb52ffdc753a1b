"""What RAS found on this machine and uses: GPT-SoVITS root and version, engines, weights per
model version, the ASR model per language, the speaker model, analysis backlog and free disk space."""
from __future__ import annotations

import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from gsv_integration import weights as gsv_weights
from ras.metrics.asr import AsrConfig
from ras.metrics.speaker import describe_encoder, find_gsv_sv_checkpoint
from ras.settings import Settings


@dataclass(frozen=True)
class EngineState:
    name: str
    state: str  # "not started", or what the runner says of it


@dataclass(frozen=True)
class MachineStatus:
    """/status and the header's status panel."""

    gsv_root: str | None
    gsv_version: str | None
    engines: list[EngineState]
    weights: dict[str, int]  # model files per GPT-SoVITS version
    asr: dict  # per language, the speech recognition model (None: none found)
    speaker_model: str
    analysis_backlog: int
    analysis_failed: int  # results analysis gave up on since start
    disk_free_bytes: int


def speaker_model_in_use(settings: Settings) -> str:
    return describe_encoder(str(settings.sv_model) if settings.sv_model else None)["name"]


def unused_v2pro_checkpoint(settings: Settings) -> Path | None:
    """GPT-SoVITS's v2Pro speaker-verification checkpoint when it is installed but the bundled encoder is used."""
    found = find_gsv_sv_checkpoint(settings.gsv_root)
    return found if found is not None and speaker_model_in_use(settings) == "resemblyzer" else None


def speaker_model(settings: Settings) -> str:
    """The encoder in use; when GPT-SoVITS's v2Pro checkpoint is installed but not chosen, say where it is."""
    unused = unused_v2pro_checkpoint(settings)
    if unused is not None:
        return f"resemblyzer (v2Pro speaker verification available: --sv-model {unused})"
    return speaker_model_in_use(settings)


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


def machine_status(*, settings: Settings, backend, runner, analyzer) -> MachineStatus:
    return MachineStatus(
        gsv_root=str(settings.gsv_root) if settings.gsv_root else None,
        gsv_version=backend.local_code_version(),
        engines=engines(backend.engine_names(), runner.engine_states()),
        weights=weights_per_version(backend.model_roots()),
        asr=AsrConfig.from_settings(settings).models_by_language(),
        speaker_model=speaker_model(settings),
        analysis_backlog=analyzer.backlog if analyzer is not None else 0,
        # results analysis gave up on since start (each row says why in /list_results' analysis_error)
        analysis_failed=analyzer.failed if analyzer is not None else 0,
        disk_free_bytes=disk_free_bytes(settings.roles_dir),
    )
