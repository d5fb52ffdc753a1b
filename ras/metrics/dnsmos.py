"""DNSMOS SIG/BAK/OVRL from the onnx model that the `speechmos` wheel ships.

We run the model ourselves instead of `speechmos.dnsmos.run`: it would also
run the P.808 model (librosa mel, not needed here) and slide 9-s windows at
1-s hops, so a 4-s clip costs 9 windows. Short clips are tiled to one window
(measured: the same score as speechmos gives), longer clips use non-overlapping windows. The
session is created on first use and kept for the process.

Cost: the model's convolutions take ~40 GFLOP per window whatever the
content (0.19 s on 2 idle cores), so a 4-s clip pays ~47 ms per second of
audio for DNSMOS alone. The graph ends in a global max-pool, so it could run
on the clip's own length (1.8x faster on 4-s clips), but scores then differ
from the reference tiling (mean |dOVRL| 0.18 on espeak clips): not done.
Measured against speechmos's own 1-s-hop run on 48 espeak clips: these
windows differ by mean |dOVRL| 0.046 on clips under 9 s, 0.056 above. One
conv pass over a whole clip with a max per window (an onnx graph edit) came
to 0.036 above 9 s but 0.109 below (the max over one period of a tiled clip
is not the max over two), so it was left out.
"""
from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

import numpy as np

from ras.model_cache import ModelCache

SR = 16_000
WINDOW_SAMPLES = 144_160  # 9.01 s, the model's fixed input length
# The polynomial calibration of the non-personalised DNSMOS P.835 model (as in speechmos / Microsoft's DNSMOS).
POLY_SIG = (-0.08397278, 1.22083953, 0.0052439)
POLY_BAK = (-0.13166888, 1.60915514, -0.39604546)
POLY_OVRL = (-0.06766283, 1.11546468, 0.04602535)

_sessions: ModelCache = ModelCache()
_inference_lock = threading.Lock()  # one inference at a time: a second thread would only contend for the 2 cores
_threads = 0  # onnxruntime's intra-op threads; 0: its default (one per core)


def use_threads(count: int) -> None:
    """Threads of the DNSMOS session this process creates (an analysis process sized to one core
    sets 1: onnxruntime's extra threads spin on the cores the GPT-SoVITS worker needs)."""
    global _threads
    _threads = count


class DnsmosUnavailable(RuntimeError):
    """The speechmos model file or onnxruntime is missing."""


def model_path() -> Path:
    spec = importlib.util.find_spec("speechmos")  # locates the wheel without importing librosa through it
    if spec is None or not spec.submodule_search_locations:
        raise DnsmosUnavailable("speechmos is not installed (pip install speechmos onnxruntime)")
    path = Path(list(spec.submodule_search_locations)[0]) / "dnsmos_models" / "sig_bak_ovr.onnx"
    if not path.is_file():
        raise DnsmosUnavailable(f"DNSMOS model missing: {path}")
    return path


def dnsmos_session():
    """The onnxruntime session, created once per process on first use (never at import)."""
    return _sessions.get("dnsmos", _create_session)


def _create_session():
    try:
        import onnxruntime as ort
    except ImportError as exc:
        raise DnsmosUnavailable("onnxruntime is not installed") from exc
    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.intra_op_num_threads = _threads
    return ort.InferenceSession(str(model_path()), options, providers=["CPUExecutionProvider"])


def windows(samples: np.ndarray) -> np.ndarray:
    """(n, WINDOW_SAMPLES) float32: the clip tiled to one window, or cut in windows (last one end-aligned)."""
    samples = np.clip(np.asarray(samples, dtype=np.float32), -1.0, 1.0)
    if len(samples) == 0:
        samples = np.zeros(1, dtype=np.float32)
    if len(samples) <= WINDOW_SAMPLES:
        reps = int(np.ceil(WINDOW_SAMPLES / len(samples)))
        return np.tile(samples, reps)[None, :WINDOW_SAMPLES]
    starts = list(range(0, len(samples) - WINDOW_SAMPLES + 1, WINDOW_SAMPLES))
    if starts[-1] + WINDOW_SAMPLES < len(samples):
        starts.append(len(samples) - WINDOW_SAMPLES)
    return np.stack([samples[s: s + WINDOW_SAMPLES] for s in starts])


def dnsmos_scores(samples_16k: np.ndarray) -> dict:
    """{"dnsmos_sig", "dnsmos_bak", "dnsmos_ovrl"} on the 1-5 MOS scale, for 16 kHz float audio."""
    session = dnsmos_session()
    batch = windows(samples_16k)
    with _inference_lock:
        raw = np.concatenate([session.run(None, {"input_1": w[None]})[0] for w in batch])
    sig, bak, ovrl = raw[:, 0], raw[:, 1], raw[:, 2]
    return {
        "dnsmos_sig": round(float(np.mean(np.polyval(POLY_SIG, sig))), 3),
        "dnsmos_bak": round(float(np.mean(np.polyval(POLY_BAK, bak))), 3),
        "dnsmos_ovrl": round(float(np.mean(np.polyval(POLY_OVRL, ovrl))), 3),
    }
