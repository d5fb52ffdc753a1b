"""Speaker embeddings for classifying clips and for speaker-similarity metrics.

`load_encoder()` returns an encoder with `.name`, `.embed(samples, sample_rate)`
(one unit-norm vector) and `.embed_files(paths, ...)` (a matrix, one row a clip).

Three encoders, none of which ever downloads anything:
- default: resemblyzer's encoder, bundled in its PyPI wheel (CPU, offline);
- a modelscope speaker-verification folder (ERes2Net / CAM++, has
  ``configuration.json``), used through ``modelscope.pipelines.pipeline``;
- GPT-SoVITS v2Pro's ``pretrained_eres2netv2w24s4ep4.ckpt`` with GPT-SoVITS's
  own ERes2NetV2 code.

Loaded encoders are cached per (kind, folder) on first use, never at import.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

from ras.audio.load import load_mono as read_mono
from ras.audio.load import resample
from ras.model_cache import ModelCache

ProgressFn = Callable[[int, int], None]

SV_SAMPLE_RATE = 16000
GSV_SV_CKPT = "pretrained_eres2netv2w24s4ep4.ckpt"
MODELSCOPE_CONFIG = "configuration.json"

_encoders: ModelCache = ModelCache()


def load_encoder(model_dir: str | None = None, *, gsv_root: str | None = None):
    """The speaker encoder for `model_dir` (None: resemblyzer), cached.

    `gsv_root` is only for a v2Pro checkpoint outside a GPT-SoVITS tree: the
    folder holding ``GPT_SoVITS/eres2net`` (the integration package root).
    """
    kind, location = _identify_model(model_dir)
    return _encoders.get((kind, location), lambda: _build_encoder(kind, location, gsv_root))


def find_gsv_sv_checkpoint(gsv_root: str | Path | None) -> Path | None:
    """GPT-SoVITS v2Pro's speaker-verification checkpoint under its root, when installed."""
    if not gsv_root:
        return None
    ckpt = Path(gsv_root) / "GPT_SoVITS" / "pretrained_models" / "sv" / GSV_SV_CKPT
    return ckpt if ckpt.is_file() else None


def clear_encoder_cache() -> None:
    """Forget loaded encoders (tests; freeing memory after a classify run)."""
    _encoders.clear()


def _identify_model(model_dir: str | None) -> tuple[str, str]:
    """Which kind of speaker model a path holds; ValueError naming it if none."""
    if model_dir is None or str(model_dir).strip() == "":
        return "resemblyzer", ""
    path = Path(model_dir).expanduser()
    if not path.exists():
        raise ValueError(f"speaker model folder not found: {path}")
    if path.is_file():
        if path.name == GSV_SV_CKPT:
            return "gsv-v2pro-sv", str(path.resolve())
        raise ValueError(f"not a speaker model: {path} (expected a folder, or {GSV_SV_CKPT})")
    if (path / MODELSCOPE_CONFIG).is_file():
        return "modelscope", str(path.resolve())
    if (path / GSV_SV_CKPT).is_file():
        return "gsv-v2pro-sv", str((path / GSV_SV_CKPT).resolve())
    raise ValueError(
        f"not a speaker model folder: {path} (expected {MODELSCOPE_CONFIG} of a modelscope "
        f"speaker-verification model, or GPT-SoVITS v2Pro's {GSV_SV_CKPT})"
    )


def _build_encoder(kind: str, location: str, gsv_root: str | None):
    if kind == "resemblyzer":
        return ResemblyzerEncoder()
    if kind == "modelscope":
        return ModelscopeEncoder(location)
    return GsvSvEncoder(location, gsv_root=gsv_root)


def unit_norm(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to length 1 (a zero row stays zero rather than NaN)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class _EncoderBase:
    """Shared file loop. Subclasses turn one clip into model input (`_features`)
    and a list of those into unit-norm rows (`_forward`, batched where it can)."""

    name = "base"
    dim = 0

    def embed(self, samples: np.ndarray, sample_rate: int) -> np.ndarray:
        """Unit-norm embedding of one clip (any rate, mono float)."""
        return self._forward([self._prepare(np.asarray(samples, dtype=np.float32), int(sample_rate))])[0]

    def embed_files(
        self,
        paths: Sequence[str | Path],
        batch: int = 16,
        progress: ProgressFn | None = None,
        *,
        on_error: str = "raise",
    ) -> np.ndarray:
        """One unit-norm row per path, computed `batch` clips per forward pass.

        on_error="raise": an unreadable or silent clip raises ValueError naming
        it; on_error="nan": its row is NaN and the other clips still get done
        (a 1,000-clip run should not die on one bad file).
        """
        if on_error not in ("raise", "nan"):
            raise ValueError(f"on_error must be 'raise' or 'nan', not {on_error!r}")
        paths, batch = list(paths), max(1, int(batch))
        rows: list[np.ndarray] = []
        for start in range(0, len(paths), batch):
            chunk = paths[start : start + batch]
            rows.extend(self._embed_chunk(chunk, on_error))
            if progress is not None:
                progress(start + len(chunk), len(paths))
        if not rows:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.vstack(rows).astype(np.float32)

    def _embed_chunk(self, paths: list, on_error: str) -> list[np.ndarray]:
        prepared = []
        for i, path in enumerate(paths):
            try:
                prepared.append((i, self._prepare_file(path)))
            except ValueError:
                if on_error == "raise":
                    raise
        vectors = self._forward([features for _, features in prepared]) if prepared else []
        rows = [np.full(self.dim, np.nan, dtype=np.float32) for _ in paths]
        for (i, _), vector in zip(prepared, vectors):
            rows[i] = vector
        return rows

    def _prepare_file(self, path):
        samples, rate = read_mono(path)  # its ValueError already names the file
        try:
            return self._prepare(samples, rate)
        except ValueError as exc:
            raise ValueError(f"{exc}: {path}") from exc

    def _prepare(self, samples: np.ndarray, rate: int):
        if not np.any(np.abs(samples) > 1e-4):
            raise ValueError("clip is silent, no speaker to embed")
        return self._features(samples, rate)

    def _features(self, samples: np.ndarray, rate: int):
        raise NotImplementedError

    def _forward(self, features: list) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<speaker encoder {self.name}>"


class ResemblyzerEncoder(_EncoderBase):
    """resemblyzer's bundled GE2E encoder (256-d), partials batched across clips.

    Same numbers as its embed_utterance (mean of 1.6-s partial embeddings,
    L2-normed), but one forward pass for a whole batch of clips: ~3x faster.
    """

    name = "resemblyzer"
    dim = 256

    def __init__(self) -> None:
        from resemblyzer import VoiceEncoder

        self._encoder = VoiceEncoder(device="cpu", verbose=False)

    def _features(self, samples: np.ndarray, rate: int) -> np.ndarray:
        """The mel windows resemblyzer's embed_utterance would feed its model."""
        from resemblyzer import preprocess_wav
        from resemblyzer.audio import wav_to_mel_spectrogram

        wav = preprocess_wav(samples, source_sr=rate)
        if len(wav) < SV_SAMPLE_RATE // 10:
            # Its VAD trimmed (nearly) everything: keep the untrimmed audio.
            wav = resample(samples, rate, SV_SAMPLE_RATE)
        wav_slices, mel_slices = self._encoder.compute_partial_slices(len(wav), 1.3, 0.75)
        if wav_slices[-1].stop >= len(wav):
            wav = np.pad(wav, (0, wav_slices[-1].stop - len(wav)))
        mel = wav_to_mel_spectrogram(wav)
        return np.array([mel[s] for s in mel_slices], dtype=np.float32)

    def _forward(self, features: list[np.ndarray]) -> np.ndarray:
        import torch

        with torch.no_grad():
            partials = self._encoder(torch.from_numpy(np.concatenate(features))).numpy()
        bounds = np.cumsum([0] + [len(windows) for windows in features])
        means = [partials[a:b].mean(axis=0) for a, b in zip(bounds[:-1], bounds[1:])]
        return unit_norm(np.vstack(means))


class ModelscopeEncoder(_EncoderBase):
    """A local modelscope speaker-verification model (ERes2Net, CAM++...)."""

    dim = 192  # ERes2Net / CAM++ embeddings; updated from the first real output

    def __init__(self, model_dir: str) -> None:
        self.name = f"modelscope:{Path(model_dir).name}"
        try:
            from modelscope.pipelines import pipeline
        except ImportError as exc:
            raise RuntimeError(
                f"the speaker model {model_dir} needs the 'modelscope' package, which is not "
                "installed in RAS's environment: pip install modelscope datasets torchaudio "
                "(torchaudio must match the installed torch), or leave the speaker model "
                "empty to use the bundled resemblyzer encoder"
            ) from exc
        self._pipeline = pipeline(task="speaker-verification", model=model_dir)
        config = getattr(self._pipeline, "model_config", None) or {}
        self._rate = int(config.get("sample_rate", SV_SAMPLE_RATE))

    def _features(self, samples: np.ndarray, rate: int) -> np.ndarray:
        # The pipeline resamples files but not arrays: give it the model's rate.
        return resample(samples, rate, self._rate)

    def _forward(self, features: list[np.ndarray]) -> np.ndarray:
        # A list of 1-D arrays in; output_emb=True adds the (n, dim) rows under "embs".
        embs = np.asarray(self._pipeline(features, output_emb=True)["embs"], dtype=np.float32)
        embs = embs.reshape(len(features), -1)
        self.dim = embs.shape[1]
        return unit_norm(embs)


class GsvSvEncoder(_EncoderBase):
    """GPT-SoVITS v2Pro's speaker-verification ERes2NetV2, with GPT-SoVITS's code.

    Heavy on CPU (a 53 M-parameter CNN): practical on a GPU machine.
    """

    name = "gsv-v2pro-sv"
    dim = 192

    def __init__(self, ckpt_path: str, *, gsv_root: str | None = None) -> None:
        import torch

        model_class, self._kaldi = _import_eres2net(Path(ckpt_path), gsv_root)
        state = torch.load(ckpt_path, map_location="cpu", weights_only=False)
        model = model_class(baseWidth=24, scale=4, expansion=4)  # as GPT-SoVITS sv.py
        model.load_state_dict(state)
        self._model = model.float().eval()

    def _features(self, samples: np.ndarray, rate: int):
        import torch

        wav = torch.from_numpy(resample(samples, rate, SV_SAMPLE_RATE))
        return self._kaldi.fbank(wav.unsqueeze(0), num_mel_bins=80, sample_frequency=SV_SAMPLE_RATE, dither=0)

    def _forward(self, features: list) -> np.ndarray:
        import torch

        with torch.no_grad():
            # forward() is the pooled speaker embedding (the ckpt's full 3D-Speaker
            # head); GPT-SoVITS feeds SoVITS forward3's raw features instead.
            # One clip at a time: lengths differ and padding would shift the pooling.
            vectors = [self._model(feat.unsqueeze(0))[0].numpy() for feat in features]
        return unit_norm(np.vstack(vectors))


def _import_eres2net(ckpt_path: Path, gsv_root: str | None):
    """GPT-SoVITS's ERes2NetV2 class and kaldi module, found next to the ckpt."""
    import importlib

    for code_dir in _eres2net_candidates(ckpt_path, gsv_root):
        if (code_dir / "ERes2NetV2.py").is_file() and str(code_dir) not in sys.path:
            # GPT-SoVITS's own modules import each other top-level (sv.py does the same).
            sys.path.append(str(code_dir))
    try:
        module = importlib.import_module("ERes2NetV2")
        kaldi = importlib.import_module("kaldi")
    except ImportError as exc:
        raise RuntimeError(
            f"the v2Pro speaker model {ckpt_path} needs GPT-SoVITS's ERes2NetV2 code "
            "(GPT_SoVITS/eres2net/ERes2NetV2.py); keep the checkpoint inside its GPT-SoVITS "
            "folder (GPT_SoVITS/pretrained_models/sv/) or pass the GPT-SoVITS root"
        ) from exc
    return module.ERes2NetV2, kaldi


def _eres2net_candidates(ckpt_path: Path, gsv_root: str | None) -> Iterable[Path]:
    if gsv_root:
        yield Path(gsv_root) / "GPT_SoVITS" / "eres2net"
        yield Path(gsv_root) / "eres2net"
    # <root>/GPT_SoVITS/pretrained_models/sv/<ckpt> -> <root>/GPT_SoVITS/eres2net
    parents = ckpt_path.resolve().parents
    if len(parents) > 2:
        yield parents[2] / "eres2net"


def describe_encoder(model_dir: str | None = None) -> dict:
    """What load_encoder(model_dir) would load, without loading it (for the UI)."""
    kind, location = _identify_model(model_dir)
    name = {"resemblyzer": "resemblyzer", "gsv-v2pro-sv": "gsv-v2pro-sv"}.get(
        kind, f"modelscope:{Path(location).name}"
    )
    info = {"kind": kind, "name": name, "location": location}
    if kind == "modelscope":
        try:
            config = json.loads((Path(location) / MODELSCOPE_CONFIG).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ValueError(f"unreadable {MODELSCOPE_CONFIG} in {location}: {exc}") from exc
        info["task"] = config.get("task", "") if isinstance(config, dict) else ""
    return info
