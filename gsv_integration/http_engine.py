"""HttpEngine: a running GPT-SoVITS api_v2 server (urllib only).

Paths in requests (weights, references) are paths on the server's machine,
relative ones resolved against the server's working directory. Several
servers = several HttpEngine objects; the supervisor assigns model groups
so each server switches weights rarely.
"""
from __future__ import annotations

import http.client
import json
import os
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import soundfile

from gsv_integration.engine import (
    EngineCrashed,
    EngineError,
    EngineHung,
    EngineMisbehaving,
    SynthesisInputError,
    validated,
)
from gsv_integration.request import SynthesisRequest, SynthesisResult
from gsv_integration.weights import list_weights

# Fragments of api_v2 / TTS error texts that mean "the request is wrong".
_INPUT_ERROR_HINTS = ("is required", "not supported", "not exists", "3~10", "参考音频",
                      "no such file", "cannot be empty", "assert")


class HttpEngine:
    def __init__(self, url: str, *, name: str | None = None, connect_timeout: float = 10.0,
                 default_timeout: float = 600.0, weight_dirs: tuple[str, ...] = ()):
        self.url = url.rstrip("/")
        self.name = name or f"http:{self.url}"
        self.connect_timeout = connect_timeout
        self.default_timeout = default_timeout
        # api_v2 cannot list its weights: folders this machine sees (the
        # server's own GPT-SoVITS root when local, or a shared mount).
        self.weight_dirs = tuple(weight_dirs)
        self._gpt: str | None = None  # what we last set on the server
        self._sovits: str | None = None
        self._capabilities: dict[str, Any] | None = None
        self._lock = threading.Lock()  # weights state + one job at a time

    def start(self) -> None:
        self._capabilities = self._read_capabilities()

    def probe(self) -> None:
        """Raise EngineCrashed when the server does not answer (EngineMisbehaving when it answers
        nonsense); a server that answers again may be back on its own weights, so they are set anew."""
        self._capabilities = self._read_capabilities()
        with self._lock:
            self._gpt = self._sovits = None

    def close(self) -> None:
        self._gpt = self._sovits = None

    def capabilities(self) -> dict[str, Any]:
        if self._capabilities is None:
            self.start()
        return dict(self._capabilities)

    def list_weights(self) -> dict[str, list[dict[str, Any]]]:
        return list_weights(self.weight_dirs)

    def _read_capabilities(self) -> dict[str, Any]:
        # api_v2 is FastAPI: its schema lists the /tts fields this server knows.
        body = self._call("GET", "/openapi.json", timeout=self.connect_timeout, what="status")
        try:
            schema = json.loads(body.decode("utf-8"))
            fields = schema.get("components", {}).get("schemas", {}).get("TTS_Request", {})
        except (UnicodeDecodeError, json.JSONDecodeError, AttributeError) as exc:
            raise EngineMisbehaving(f"GPT-SoVITS server {self.url} answered /openapi.json with something "
                                    f"that is not api_v2's schema ({exc}): check --engine-url") from exc
        names = set(fields.get("properties", {}))
        return {"found": True, "engine": "http", "url": self.url,
                "parameters": {name: name in names for name in (
                    "sample_steps", "super_sampling", "repetition_penalty", "aux_ref_audio_paths",
                    "speed_factor", "seed", "batch_size", "parallel_infer")}}

    def synthesize(self, request: SynthesisRequest, out_path: str | os.PathLike, *,
                   timeout: float | None = None) -> SynthesisResult:
        validated(request)
        with self._lock:
            return self._synthesize(request, str(out_path), timeout or self.default_timeout)

    def _synthesize(self, request: SynthesisRequest, out_path: str, timeout: float) -> SynthesisResult:
        timings: dict[str, float] = {}
        loaded_gpt = self._switch("gpt", request.gpt_weights, timings, timeout)
        loaded_sovits = self._switch("sovits", request.sovits_weights, timings, timeout)
        started = time.perf_counter()
        payload = {**request.to_tts_inputs(), "media_type": "wav", "streaming_mode": False}
        audio = self._call("POST", "/tts", body=payload, timeout=timeout, what="synthesis")
        timings["synth_s"] = time.perf_counter() - started
        with open(out_path, "wb") as fh:
            fh.write(audio)
        try:
            info = soundfile.info(out_path)
        except RuntimeError as exc:
            raise EngineMisbehaving(f"GPT-SoVITS server {self.url} sent {len(audio)} bytes that are "
                              f"not a wav file ({exc})") from exc
        if _is_error_placeholder(out_path, info):
            raise EngineError(f"GPT-SoVITS server {self.url} answered with 1 s of silence, its "
                              f"sign of a failed synthesis (or of text with nothing to speak): "
                              f"see the server's log for the cause")
        return SynthesisResult(wav_path=out_path, sample_rate=info.samplerate,
                               num_samples=info.frames, timings=timings, loaded_gpt=loaded_gpt,
                               loaded_sovits=loaded_sovits, encoded_ref=False, engine=self.name)

    def _switch(self, kind: str, path: str, timings: dict, timeout: float) -> bool:
        if not path or path == getattr(self, f"_{kind}"):
            return False
        setattr(self, f"_{kind}", None)  # unknown until the server says success
        started = time.perf_counter()
        query = urllib.parse.urlencode({"weights_path": path})
        self._call("GET", f"/set_{kind}_weights?{query}",
                   timeout=timeout, what=f"{kind} weights {path}")
        setattr(self, f"_{kind}", path)
        timings[f"load_{kind}_s"] = time.perf_counter() - started
        return True

    def _call(self, method: str, path: str, *, timeout: float, what: str,
              body: dict | None = None) -> bytes:
        data = json.dumps(body).encode("utf-8") if body is not None else None
        http_request = urllib.request.Request(
            self.url + path, data=data, method=method,
            headers={"Content-Type": "application/json"} if data else {})
        try:
            with urllib.request.urlopen(http_request, timeout=timeout) as response:
                return response.read()
        except urllib.error.HTTPError as exc:
            raise self._http_error(exc, what) from exc
        except (TimeoutError, urllib.error.URLError) as exc:
            if not isinstance(getattr(exc, "reason", exc), TimeoutError):
                raise self._unreachable(exc, what) from exc
            self._gpt = self._sovits = None
            raise EngineHung(f"GPT-SoVITS server {self.url} gave no answer for {what} within "
                             f"{timeout:.0f} s; it may still be busy: check it or raise the "
                             f"timeout") from exc
        except (OSError, http.client.HTTPException) as exc:  # refused, reset, or cut off mid-answer (killed)
            raise self._unreachable(exc, what) from exc

    def _unreachable(self, exc: OSError | http.client.HTTPException, what: str) -> EngineCrashed:
        # A restarted server is back on its config's weights.
        self._gpt = self._sovits = None
        return EngineCrashed(f"GPT-SoVITS server {self.url} unreachable during {what}: "
                             f"{getattr(exc, 'reason', exc)}. Start api_v2.py there or "
                             f"fix --engine-url.")

    def _http_error(self, exc: urllib.error.HTTPError, what: str) -> EngineError:
        detail = _error_detail(exc)
        message = f"GPT-SoVITS server {self.url} refused {what}: {detail}"
        if exc.code == 400 and (what.startswith(("gpt weights", "sovits weights"))
                                or _looks_like_input_error(detail)):
            return SynthesisInputError(message)
        return EngineError(message)


def _is_error_placeholder(path: str, info) -> bool:
    # api_v2 answers 200 with TTS.run's first chunk; when synthesis fails
    # inside TTS.run (or the text is empty) that chunk is 1 s of 16 kHz zeros.
    if info.samplerate != 16000 or info.frames != 16000:
        return False
    samples, _ = soundfile.read(path, dtype="int16")
    return not samples.any()


def _error_detail(exc: urllib.error.HTTPError) -> str:
    raw = exc.read().decode("utf-8", errors="replace")
    try:
        body = json.loads(raw)
    except json.JSONDecodeError:
        return f"HTTP {exc.code}: {raw[:500]}"
    if isinstance(body, dict):
        parts = [str(body.get("message", "")), str(body.get("Exception", ""))]
        return f"HTTP {exc.code}: " + " - ".join(p for p in parts if p)
    return f"HTTP {exc.code}: {raw[:500]}"


def _looks_like_input_error(detail: str) -> bool:
    lowered = detail.lower()
    return any(hint.lower() in lowered for hint in _INPUT_ERROR_HINTS)
