"""Which GPT-SoVITS RAS talks to: engines from the settings, model listing, weight lookup."""
from __future__ import annotations

import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

from gsv_integration import version as gsv_version
from gsv_integration import weights as gsv_weights
from gsv_integration.engine import Engine
from ras.errors import Conflict, InputError, NotFound
from ras.server_paths import check_path
from ras.settings import Settings

NO_ENGINE = ("no GPT-SoVITS is configured: start RAS with --gsv-root (and --gsv-python) "
             "or --engine-url of a running api_v2 server")


class NoEngineConfigured(Conflict):
    """A job or a synthesis was asked of an app started without GPT-SoVITS: the message says how to start it."""


@dataclass(frozen=True)
class WeightFile:
    name: str  # as GPT-SoVITS's pickers show it
    file: str
    version: str  # v1, v2, v2Pro, v3, v4 ... (with " LoRA" for a LoRA checkpoint)


@dataclass(frozen=True)
class UnreadableWeight:
    file: str
    kind: str  # gpt | sovits
    error: str


@dataclass(frozen=True)
class ModelList:
    """/list_models: the weights RAS found, and what the installed GPT-SoVITS can do."""

    gpt: tuple[WeightFile, ...]
    sovits: tuple[WeightFile, ...]
    invalid: tuple[UnreadableWeight, ...]
    capabilities: dict  # GPT-SoVITS's own facts as detected (versions, parameters); free-form

    def names(self, kind: str) -> list[str]:
        """The names of one kind ("gpt" or "sovits"), in GPT-SoVITS's order."""
        return [weight.name for weight in getattr(self, kind)]

    def files(self, kind: str) -> list[str]:
        """The files of one kind ("gpt" or "sovits"), in GPT-SoVITS's order."""
        return [weight.file for weight in getattr(self, kind)]


class Backend:
    """Created in main(); engines start only when the first job runs."""

    def __init__(self, settings: Settings, log_dir: Path | None = None):
        self.settings = settings
        self.log_dir = log_dir
        self._lock = threading.Lock()
        self._capabilities: dict | None = None

    @property
    def configured(self) -> bool:
        return bool(self.settings.engine_urls or self.settings.gsv_root)

    def model_roots(self) -> list[Path]:
        roots = [self.settings.gsv_root] if self.settings.gsv_root else []
        return roots + list(self.settings.weights_dirs)

    def engine_names(self) -> list[str]:
        """The names make_engines gives, without starting anything: api_v2 servers, then local workers."""
        return ([f"api{i + 1}" for i in range(len(self.settings.engine_urls))]
                + [f"worker{i + 1}" for i in range(self.settings.local_workers)])

    def make_engines(self) -> list[Engine]:
        """One pool: every --engine-url server and the local workers; a job goes to whichever is free."""
        engines: list[Engine] = []
        if self.settings.engine_urls:
            from gsv_integration.http_engine import HttpEngine

            engines += [HttpEngine(url, name=f"api{i + 1}") for i, url in enumerate(self.settings.engine_urls)]
        count = self.settings.local_workers
        if count:
            from gsv_integration.local_engine import LocalEngine

            config = {"device": self.settings.gsv_device}
            if self.settings.torch_threads:
                config["torch_threads"] = self.settings.torch_threads
            engines += [LocalEngine(self.settings.gsv_root, self.settings.gsv_python, config, name=f"worker{i + 1}",
                                    # one worker per GPU when there are several
                                    env_extra={"CUDA_VISIBLE_DEVICES": str(i)} if count > 1 else None,
                                    log_path=self.log_dir / f"worker{i + 1}.log" if self.log_dir else None)
                        for i in range(count)]
        if not engines:
            raise NoEngineConfigured(NO_ENGINE)
        return engines

    def capabilities(self) -> dict:
        with self._lock:
            if self._capabilities is None:
                if self.settings.gsv_root:
                    code = gsv_weights.locate_code_root(self.settings.gsv_root, self.settings.gsv_python)
                    self._capabilities = gsv_weights.detect_capabilities(code, self.settings.gsv_root)
                elif self.settings.engine_urls:
                    self._capabilities = {"found": True, "engine_urls": list(self.settings.engine_urls)}
                else:
                    self._capabilities = {"found": False, "error": NO_ENGINE}
            return self._capabilities

    def local_code_version(self) -> str | None:
        """The code version of the --gsv-root GPT-SoVITS: its git commit, its version file, or the
        installed package's version (the PyPI build keeps its code in the runtime's site-packages);
        None without --gsv-root or when nothing says. Read afresh each time: a checkout may move."""
        if not self.settings.gsv_root:
            return None
        try:
            code_root = self.capabilities().get("code_root")
        except (OSError, subprocess.SubprocessError):  # a broken --gsv-python: the version is only a record
            code_root = None
        return gsv_version.code_version(self.settings.gsv_root, code_root)

    def code_version(self) -> str:
        """The GPT-SoVITS code version the engines run, as tasks record it ("" with no engine)."""
        parts = []
        if self.settings.local_workers:
            parts.append(self.local_code_version() or f"unknown (GPT-SoVITS at {self.settings.gsv_root})")
        if self.settings.engine_urls:  # api_v2 does not report its version
            parts.append(f"unknown (api_v2 at {', '.join(self.settings.engine_urls)})")
        return " + ".join(parts)

    def list_models(self) -> ModelList:
        found = gsv_weights.list_weights(self.model_roots())

        def weights(entries) -> tuple[WeightFile, ...]:
            return tuple(WeightFile(name=e["name"], file=e["file"], version=e["version"]) for e in entries)

        return ModelList(gpt=weights(found["gpt"]), sovits=weights(found["sovits"]),
                         invalid=tuple(UnreadableWeight(**entry) for entry in found["invalid"]),
                         capabilities=self.capabilities())

    def weight_choosers(self) -> dict:
        """Keyword arguments for ras.queue.tasks: how names resolve and what unset weights become."""
        if not self.configured:
            return {"resolve_weight": None, "default_weight": None}
        return {"resolve_weight": self.resolve_weight, "default_weight": self.default_weight}

    def available_weights(self, kind: str) -> list[str]:
        """Every weight file of one kind RAS finds now (what a configuration run compares by default)."""
        return self.list_models().files(kind)

    def default_weight(self, kind: str) -> str | None:
        """GPT-SoVITS's own default for unset weights: the file its tts_infer.yaml names under
        "custom" when that file exists, else the first listed model; None when there is none."""
        root = self.settings.gsv_root
        key = {"gpt": "t2s_weights_path", "sovits": "vits_weights_path"}[kind]
        config = root / "GPT_SoVITS" / "configs" / "tts_infer.yaml" if root else None
        if config is not None and config.is_file():
            import yaml

            try:
                named = ((yaml.safe_load(config.read_text(encoding="utf-8")) or {}).get("custom") or {}).get(key)
            except yaml.YAMLError:
                named = None
            if named and (root / named).is_file():
                return str((root / named).resolve())
        models = gsv_weights.list_weights(self.model_roots())[kind]
        return models[0]["file"] if models else None

    def resolve_weight(self, kind: str, value: str) -> str:
        """A model's file path or its listed name -> the absolute file; clear error otherwise."""
        path = Path(value)
        if path.is_absolute() or path.exists():
            roots = None if self.settings.server_paths_allowed else self.model_roots()
            check_path(path, roots=roots, what=f"{kind} weights file")
            try:
                return gsv_weights.describe_weight(path, kind=kind)["file"]
            except gsv_weights.NotAModelError as exc:  # the file the user named is not this kind of model
                raise InputError(str(exc)) from exc
        models = gsv_weights.list_weights(self.model_roots())[kind]
        for entry in models:
            if value in (entry["name"], Path(entry["file"]).name, Path(entry["file"]).stem):
                return entry["file"]
        names = ", ".join(e["name"] for e in models) or "none found"
        raise NotFound(f"{kind} weights {value!r} not found; available: {names} (GPT-SoVITS's weight folders "
                       "and --weights-dir are searched; /list_models lists them)")
