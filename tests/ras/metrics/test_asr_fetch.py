"""Getting a missing standard speech recognition model on purpose: downloaded with ModelScope's own
client (in a child process) from a hub that serves the tiny models, into GPT-SoVITS's tools/asr/models
or the ModelScope cache, where discovery then finds it; offline or broken downloads fail saying what
to do by hand and leave no folder that looks like a model."""
from __future__ import annotations

import hashlib
import http.server
import json
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import pytest

from ras.errors import InputError
from ras.metrics.asr import AsrConfig
from ras.metrics.asr_fetch import AsrFetchFailed, fetch_standard_model
from ras.metrics.asr_models import FUNASR_BACKEND, PARAFORMER_ZH, SENSEVOICE
from tests.fixtures.funasr import PARAFORMER

PARAFORMER_ID = f"iic/{PARAFORMER}"


@contextmanager
def fake_hub(models: dict[str, Path], *, missing: frozenset[str] = frozenset()):
    """A hub answering ModelScope's file listing and file download for the given model folders;
    files named in `missing` are listed but answer 404 (a download cut off half-way)."""
    requests: list[str] = []

    class Hub(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            url = urlparse(self.path)
            requests.append(url.path)
            query = parse_qs(url.query)
            model_id = next((m for m in models if url.path.startswith(f"/api/v1/models/{m}/")), None)
            status, body = 200, json.dumps({"Code": 200, "Success": True, "Data": {}}).encode()
            if model_id is not None and url.path.endswith("/repo/files"):
                folder = models[model_id]
                files = [{"Name": f.name, "Path": f.name, "Type": "blob", "Size": f.stat().st_size,
                          "Sha256": hashlib.sha256(f.read_bytes()).hexdigest(), "Revision": "master"}
                         for f in sorted(folder.iterdir()) if f.is_file()]
                body = json.dumps({"Code": 200, "Success": True, "Data": {"Files": files}}).encode()
            elif model_id is not None and url.path.endswith("/repo") and "FilePath" in query:
                name = unquote(query["FilePath"][0])
                if name in missing:
                    status, body = 404, b'{"Code": 404, "Success": false, "Message": "gone"}'
                else:
                    body = (models[model_id] / name).read_bytes()
            elif model_id is None and url.path.startswith("/api/v1/models/"):
                status, body = 404, b'{"Code": 404, "Success": false, "Message": "no such model"}'
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", requests
    finally:
        server.shutdown()
        server.server_close()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_download_into_gpt_sovits_models_is_found_without_flags(tiny_funasr, tmp_path):
    gsv_root = tmp_path / "GPT-SoVITS"
    assert AsrConfig(gsv_root=gsv_root).choose("zh").model is None
    seen = []
    with fake_hub({PARAFORMER_ID: tiny_funasr.gsv_paraformer}) as (hub, requests):
        fetched = fetch_standard_model("all_zh", gsv_root=gsv_root, environ={"MODELSCOPE_ENDPOINT": hub},
                                       progress=lambda got, total: seen.append((got, total)))
    assert fetched.downloaded and requests  # it went to the hub
    assert fetched.model.folder == gsv_root / "tools" / "asr" / "models" / PARAFORMER
    assert seen[-1][0] == seen[-1][1] > 0  # the bar ends full
    chosen = AsrConfig(gsv_root=gsv_root).choose("zh").model
    assert chosen.folder == fetched.model.folder and chosen.family == PARAFORMER_ZH
    assert chosen.backend == FUNASR_BACKEND and chosen.source == "gpt-sovits"
    assert [p.name for p in fetched.model.folder.parent.iterdir()] == [PARAFORMER]  # no staging folder left
    # a complete folder is kept: asking again never reaches the network
    again = fetch_standard_model("zh", gsv_root=gsv_root, environ={"MODELSCOPE_ENDPOINT": f"http://127.0.0.1:"
                                                                                          f"{closed_port()}"})
    assert not again.downloaded and again.model.folder == fetched.model.folder


def test_without_gpt_sovits_the_model_goes_to_the_modelscope_cache(tiny_funasr, tmp_path, monkeypatch):
    cache = tmp_path / "modelscope"
    monkeypatch.setenv("MODELSCOPE_CACHE", str(cache))
    with fake_hub({"iic/SenseVoiceSmall": tiny_funasr.cached("SenseVoiceSmall")}) as (hub, _requests):
        fetched = fetch_standard_model("ja", gsv_root=None, environ={"MODELSCOPE_CACHE": str(cache),
                                                                     "MODELSCOPE_ENDPOINT": hub})
    assert fetched.model.folder == cache / "models" / "iic" / "SenseVoiceSmall"
    for lang in ("ja", "ko", "yue"):  # one SenseVoice serves the three languages it was fetched for
        model = AsrConfig().choose(lang).model
        assert model is not None and model.family == SENSEVOICE and model.source == "modelscope", lang


def test_offline_fails_at_once_naming_the_model_and_the_folder(tmp_path):
    gsv_root = tmp_path / "GPT-SoVITS"
    started = time.monotonic()
    with pytest.raises(AsrFetchFailed) as failed:
        fetch_standard_model("zh", gsv_root=gsv_root, environ={"MODELSCOPE_ENDPOINT": f"http://127.0.0.1:"
                                                                                      f"{closed_port()}"})
    assert time.monotonic() - started < 3
    message = str(failed.value)
    assert PARAFORMER_ID in message and "cannot be reached" in message
    assert str(gsv_root / "tools" / "asr" / "models" / PARAFORMER) in message
    assert not (gsv_root / "tools" / "asr" / "models" / PARAFORMER).exists()


def test_a_download_cut_short_leaves_no_model_folder(tiny_funasr, tmp_path):
    gsv_root = tmp_path / "GPT-SoVITS"
    cut_short = fake_hub({PARAFORMER_ID: tiny_funasr.gsv_paraformer}, missing=frozenset({"model.pt"}))
    with cut_short as (hub, _requests), pytest.raises(AsrFetchFailed) as failed:
        fetch_standard_model("zh", gsv_root=gsv_root, environ={"MODELSCOPE_ENDPOINT": hub})
    assert PARAFORMER_ID in str(failed.value) and "put its files in" in str(failed.value)
    models_dir = gsv_root / "tools" / "asr" / "models"
    assert list(models_dir.iterdir()) == []  # the staging folder is gone, nothing looks like a model
    assert AsrConfig(gsv_root=gsv_root).choose("zh").model is None


def test_a_language_gpt_sovits_does_not_speak_has_no_standard_model(tmp_path):
    with pytest.raises(InputError, match="'fr'.*zh, yue, ja, ko, en"):
        fetch_standard_model("fr", gsv_root=tmp_path)
