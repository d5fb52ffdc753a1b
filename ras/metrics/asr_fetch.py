"""Download the standard speech recognition model of a language, on purpose, from ModelScope.

The standard models are the ones GPT-SoVITS itself downloads, into the folders it reads them from
(tools/asr/models/<name>), so GPT-SoVITS and RAS share one copy: Paraformer-zh for Chinese,
SenseVoiceSmall for Cantonese, Japanese and Korean, faster-whisper small for English (from the
ModelScope repository GPT-SoVITS uses when Hugging Face cannot be reached). Without a GPT-SoVITS
root the model goes to the ModelScope cache (MODELSCOPE_CACHE, else ~/.cache/modelscope/hub), in
the models/<org>/<name> layout discovery reads.

The download runs in a child process (the modelscope library's retries and threads stay out of the
web process, and a stuck download is killed with everything it started), into a hidden folder beside
the target; only a folder that holds every file its model needs is renamed into place, so a cut
download never looks complete. Nothing reaches the network before a quick check that the hub
answers at all: offline, the fetch fails at once, naming the model and the folder to put it in.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from ras.child_process import LineReader, child_env, kill_group, new_group_kwargs, protocol_stdout
from ras.errors import InputError, RasError
from ras.metrics.asr_models import (
    LANGUAGES,
    PARAFORMER_ZH,
    SENSEVOICE,
    WHISPER,
    AsrModel,
    AsrSearch,
    examine,
)
from ras.metrics.rate import base_language

DEFAULT_ENDPOINT = "https://www.modelscope.cn"  # what the modelscope library uses without MODELSCOPE_ENDPOINT
CONNECT_SECONDS = 5.0  # the offline check: a hub that does not take a connection this fast is not reachable
TIME_LIMIT_SECONDS = 3 * 3600.0  # ~900 MB at 100 kB/s still fits
STALL_SECONDS = 300.0  # no byte for this long: the connection is gone though the library still retries
POLL_SECONDS = 1.0


@dataclass(frozen=True)
class StandardModel:
    model_id: str  # on ModelScope
    folder_name: str  # in tools/asr/models, as GPT-SoVITS names it
    family: str
    approx_bytes: int  # for the progress bar only
    subfolder: str = ""  # the model's folder inside the repository (the Whisper sizes share one)

    @property
    def page(self) -> str:
        return f"https://www.modelscope.cn/models/{self.model_id}"


PARAFORMER_ZH_MODEL = StandardModel("iic/speech_paraformer-large_asr_nat-zh-cn-16k-common-vocab8404-pytorch",
                                    "speech_paraformer-large_asr_nat-zh-cn-16k-common-vocab8404-pytorch",
                                    PARAFORMER_ZH, 880_000_000)
SENSEVOICE_MODEL = StandardModel("iic/SenseVoiceSmall", "SenseVoiceSmall", SENSEVOICE, 940_000_000)
WHISPER_SMALL_MODEL = StandardModel("XXXXRT/faster-whisper", "faster-whisper-small", WHISPER, 490_000_000,
                                    subfolder="faster-whisper-small")
STANDARD_MODELS = {"zh": PARAFORMER_ZH_MODEL, "yue": SENSEVOICE_MODEL, "ja": SENSEVOICE_MODEL,
                   "ko": SENSEVOICE_MODEL, "en": WHISPER_SMALL_MODEL}


class AsrFetchFailed(RasError):
    """The standard model could not be downloaded; the message says where to put it by hand."""


@dataclass(frozen=True)
class FetchedModel:
    model: AsrModel
    downloaded: bool  # False: the folder was already complete


def standard_model(text_lang: str) -> StandardModel:
    lang = base_language(text_lang)
    if lang not in STANDARD_MODELS:
        raise InputError(f"no standard speech recognition model for language {text_lang!r}; "
                         f"one of {', '.join(LANGUAGES)}")
    return STANDARD_MODELS[lang]


def target_folder(standard: StandardModel, gsv_root: Path | None,
                  environ: Mapping[str, str] | None = None) -> tuple[Path, str, str]:
    """(folder, the name discovery gives it, its source) for the standard model."""
    if gsv_root is not None:
        return Path(gsv_root) / "tools" / "asr" / "models" / standard.folder_name, standard.folder_name, "gpt-sovits"
    cache = AsrSearch.from_environment(environ=environ).modelscope_roots[0]
    org, name = standard.model_id.split("/", 1)
    name = standard.subfolder or name
    return cache / "models" / org / name.replace(".", "___"), f"{org}/{name}", "modelscope"


def endpoint(environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    return (env.get("MODELSCOPE_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


def hub_unreachable(url: str, timeout: float = CONNECT_SECONDS) -> str | None:
    """Why the hub at url cannot be reached (None: it took a connection)."""
    parsed = urlparse(url)
    host = parsed.hostname or ""
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except OSError as exc:
        return f"{host} cannot be reached ({exc.strerror or exc})"


def by_hand(standard: StandardModel, folder: Path) -> str:
    inside = f" (the {standard.subfolder} folder of the repository)" if standard.subfolder else ""
    return (f"download {standard.model_id}{inside} from {standard.page} on a machine that is online and put "
            f"its files in {folder}")


def folder_bytes(folder: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(folder):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(root, name)).st_size
    return total


_fetch_lock = threading.Lock()  # one download at a time: two would share the link and could target one folder


def fetch_standard_model(text_lang: str, *, gsv_root: Path | None, progress: Callable[[int, int], None] | None = None,
                         time_limit: float = TIME_LIMIT_SECONDS, stall_limit: float = STALL_SECONDS,
                         environ: Mapping[str, str] | None = None) -> FetchedModel:
    """The standard model for the language, downloaded unless its folder is already complete.
    progress(bytes so far, about how many in all) is called as the download grows."""
    standard = standard_model(text_lang)
    final, name, source = target_folder(standard, gsv_root, environ)
    with _fetch_lock:
        existing = examine(final, name, standard.family, source) if final.is_dir() else None
        if isinstance(existing, AsrModel):
            return FetchedModel(existing, downloaded=False)
        hub = endpoint(environ)
        unreachable = hub_unreachable(hub)
        if unreachable:
            raise AsrFetchFailed(f"cannot download {standard.model_id}: {unreachable} (offline?); "
                                 f"{by_hand(standard, final)}")
        final.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{final.name}.partial-", dir=final.parent))
        try:
            _download(standard, staging, hub, progress, time_limit, stall_limit, final)
            downloaded = staging / standard.subfolder if standard.subfolder else staging
            checked = examine(downloaded, name, standard.family, source)
            if not isinstance(checked, AsrModel):
                raise AsrFetchFailed(f"the download of {standard.model_id} is incomplete ({checked.reason}); "
                                     f"try again, or {by_hand(standard, final)}")
            _move_into_place(downloaded, final, staging)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        if progress is not None:
            progress(standard.approx_bytes, standard.approx_bytes)
        return FetchedModel(AsrModel(final, name, standard.family, source), downloaded=True)


def _move_into_place(downloaded: Path, final: Path, staging: Path) -> None:
    """Rename the complete download to the model's folder; an incomplete folder already there (a
    download cut short) is moved aside first and removed with the staging folder."""
    if final.exists():
        final.rename(staging / ".replaced")
    downloaded.rename(final)


def _download(standard: StandardModel, staging: Path, hub: str, progress, time_limit: float, stall_limit: float,
              final: Path) -> None:
    request = {"model_id": standard.model_id, "local_dir": str(staging),
               "allow_patterns": [f"{standard.subfolder}/*"] if standard.subfolder else None}
    env = child_env(MODELSCOPE_ENDPOINT=hub)
    proc = subprocess.Popen([sys.executable, "-m", __name__, json.dumps(request)], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, text=True, encoding="utf-8", env=env, **new_group_kwargs())
    reader = LineReader(proc.stdout, name=f"ras-asr-fetch-{proc.pid}")
    started = last_growth = time.monotonic()
    size = -1
    try:
        while True:
            line = reader.next_line(proc.pid, POLL_SECONDS)
            if line is not None:
                break
            now, grown = time.monotonic(), folder_bytes(staging)
            if grown != size:
                size, last_growth = grown, now
                if progress is not None:
                    progress(size, max(standard.approx_bytes, size))
            if now - started > time_limit:
                raise AsrFetchFailed(f"downloading {standard.model_id} took more than {time_limit / 60:.0f} min "
                                     f"and was stopped; try again, or {by_hand(standard, final)}")
            if now - last_growth > stall_limit:
                raise AsrFetchFailed(f"downloading {standard.model_id} received nothing for {stall_limit:.0f} s "
                                     f"and was stopped; try again, or {by_hand(standard, final)}")
    finally:
        kill_group(proc)
    answer = json.loads(line) if line.strip() else {"error": "the download process stopped without an answer"}
    if "error" in answer:
        raise AsrFetchFailed(f"downloading {standard.model_id} failed: {answer['error']}; "
                             f"{by_hand(standard, final)}")


# ---------------------------------------------------------------- the child's side

def main() -> None:
    protocol = protocol_stdout()
    request = json.loads(sys.argv[1])
    try:
        from modelscope import snapshot_download

        snapshot_download(request["model_id"], local_dir=request["local_dir"],
                          allow_patterns=request.get("allow_patterns"))
        answer = {"done": True}
    except ImportError:
        answer = {"error": "the modelscope package is not installed in RAS's environment (pip install modelscope)"}
    except Exception as exc:  # noqa: BLE001 - whatever the hub or the disk says is the answer
        answer = {"error": f"{type(exc).__name__}: {exc}"}
    protocol.write(json.dumps(answer, ensure_ascii=False) + "\n")
    protocol.flush()


if __name__ == "__main__":
    main()
