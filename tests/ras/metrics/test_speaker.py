"""Speaker encoders: the resemblyzer default on espeak speech, and the model-folder checks."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from ras.metrics import speaker
from tests.fixtures import speech

pytestmark = pytest.mark.skipif(not speech.tools_available(), reason="needs espeak-ng and sox")

GSV_ERES2NET = next(
    iter(sorted(Path(__file__).resolve().parents[3].glob(".venv-gsv/lib/python3*/site-packages/GPT_SoVITS/eres2net"))),
    None,
)


@pytest.fixture(scope="module")
def clips():
    return speech.voice_clips()


@pytest.fixture(scope="module")
def encoder():
    return speaker.load_encoder()


def test_default_encoder_is_resemblyzer_and_cached(encoder):
    assert encoder.name == "resemblyzer"
    assert speaker.load_encoder() is encoder
    assert speaker.load_encoder("") is encoder


def test_embed_returns_unit_vector_at_any_rate(encoder, clips):
    samples, rate = sf.read(str(clips["en+f2"][0]), dtype="float32")
    assert rate != 16000  # espeak writes 22.05 kHz: the encoder resamples
    vector = encoder.embed(samples, rate)
    assert vector.shape == (256,)
    assert vector.dtype == np.float32
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)


def test_embed_files_batches_like_single_embeds(encoder, clips):
    paths = clips["en+m3"][:3] + clips["en-us+m7"][:2]
    calls = []
    matrix = encoder.embed_files(paths, batch=2, progress=lambda done, total: calls.append((done, total)))
    singles = np.vstack([encoder.embed(*sf.read(str(p), dtype="float32")) for p in paths])
    assert matrix.shape == (5, 256)
    np.testing.assert_allclose(matrix, singles, atol=1e-5)
    assert calls == [(2, 5), (4, 5), (5, 5)]


def test_same_voice_is_more_similar_than_other_voices(encoder, clips):
    embeddings = {voice: encoder.embed_files(paths) for voice, paths in clips.items()}
    for voice, rows in embeddings.items():
        same = rows @ rows.T
        within = same[~np.eye(len(rows), dtype=bool)].min()
        for other, other_rows in embeddings.items():
            if other != voice:
                assert within > (rows @ other_rows.T).max(), (voice, other)


def test_unreadable_file_raises_naming_it_or_gives_nan_row(encoder, clips, tmp_path):
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(b"RIFF\x00\x00not really a wave file")
    paths = [clips["en+f2"][0], corrupt]
    with pytest.raises(ValueError, match="corrupt.wav"):
        encoder.embed_files(paths)
    rows = encoder.embed_files(paths, on_error="nan")
    assert np.all(np.isfinite(rows[0])) and np.all(np.isnan(rows[1]))


def test_silent_clip_is_an_error_not_a_nan_vector(encoder, tmp_path):
    silent = tmp_path / "silent.wav"
    sf.write(str(silent), np.zeros(16000 * 2, dtype=np.float32), 16000)
    with pytest.raises(ValueError, match="silent"):
        encoder.embed(np.zeros(32000, dtype=np.float32), 16000)
    with pytest.raises(ValueError, match=r"silent.*silent\.wav"):
        encoder.embed_files([silent])
    assert np.all(np.isnan(encoder.embed_files([silent], on_error="nan")))


def test_missing_model_folder_names_it(tmp_path):
    missing = tmp_path / "no_such_sv_model"
    with pytest.raises(ValueError, match="no_such_sv_model"):
        speaker.load_encoder(str(missing))


def test_folder_without_a_known_model_is_rejected(tmp_path):
    (tmp_path / "readme.txt").write_text("not a model")
    with pytest.raises(ValueError, match="configuration.json"):
        speaker.load_encoder(str(tmp_path))


def test_modelscope_folder_without_modelscope_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "modelscope.pipelines", None)  # as if absent (RAS may have it for downloads)
    folder = tmp_path / "speech_eres2net_sv_zh-cn_16k-common"
    folder.mkdir()
    (folder / "configuration.json").write_text('{"task": "speaker-verification"}')
    assert speaker.describe_encoder(str(folder))["name"] == "modelscope:speech_eres2net_sv_zh-cn_16k-common"
    with pytest.raises(RuntimeError, match="pip install modelscope"):
        speaker.load_encoder(str(folder))


def test_modelscope_pipeline_is_called_with_16k_arrays_at_its_boundary(tmp_path, monkeypatch, clips):
    """A fake modelscope (same call shape as its speaker-verification pipeline)."""
    import types

    calls = []

    def fake_pipeline(task, model):
        assert (task, model) == ("speaker-verification", str(folder.resolve()))

        def run(wavs, output_emb=False):
            calls.append([len(w) for w in wavs])
            assert output_emb and all(w.ndim == 1 and w.dtype == np.float32 for w in wavs)
            return {"embs": np.ones((len(wavs), 192), dtype=np.float32) * 3}

        run.model_config = {"sample_rate": 16000}
        return run

    folder = tmp_path / "speech_campplus_sv_zh-cn_16k-common"
    folder.mkdir()
    (folder / "configuration.json").write_text("{}")
    fake = types.ModuleType("modelscope")
    fake.pipelines = types.ModuleType("modelscope.pipelines")
    fake.pipelines.pipeline = fake_pipeline
    monkeypatch.setitem(sys.modules, "modelscope", fake)
    monkeypatch.setitem(sys.modules, "modelscope.pipelines", fake.pipelines)
    try:
        encoder = speaker.load_encoder(str(folder))
        assert encoder.name == "modelscope:speech_campplus_sv_zh-cn_16k-common"
        rows = encoder.embed_files(clips["en+f2"][:3], batch=2)
    finally:
        speaker.clear_encoder_cache()
    assert rows.shape == (3, 192)
    np.testing.assert_allclose(np.linalg.norm(rows, axis=1), 1.0, rtol=1e-6)
    durations = [sf.info(str(p)).duration for p in clips["en+f2"][:3]]
    expected = [[d * 16000 for d in durations[:2]], [durations[2] * 16000]]  # two batches, resampled
    assert [len(batch) for batch in calls] == [2, 1]
    for got, want in zip(sum(calls, []), sum(expected, [])):
        assert abs(got - want) <= 1


def test_v2pro_checkpoint_without_gpt_sovits_code_is_explained(tmp_path, monkeypatch):
    folder = tmp_path / "sv"
    folder.mkdir()
    (folder / speaker.GSV_SV_CKPT).write_bytes(b"not loaded")
    monkeypatch.setattr(sys, "path", [p for p in sys.path if "eres2net" not in p])
    monkeypatch.delitem(sys.modules, "ERes2NetV2", raising=False)
    assert speaker.describe_encoder(str(folder))["kind"] == "gsv-v2pro-sv"
    with pytest.raises(RuntimeError, match="ERes2NetV2"):
        speaker.load_encoder(str(folder))


@pytest.mark.skipif(GSV_ERES2NET is None, reason="no GPT-SoVITS runtime with eres2net code")
def test_v2pro_checkpoint_loads_with_gpt_sovits_code(tmp_path, monkeypatch, clips):
    """A random ERes2NetV2 checkpoint laid out as in a GPT-SoVITS tree loads and embeds."""
    import torch

    root = tmp_path / "GPT-SoVITS"
    shutil.copytree(GSV_ERES2NET, root / "GPT_SoVITS" / "eres2net", ignore=shutil.ignore_patterns("__pycache__"))
    sv_dir = root / "GPT_SoVITS" / "pretrained_models" / "sv"
    sv_dir.mkdir(parents=True)
    monkeypatch.setattr(sys, "path", list(sys.path))  # every change below is undone afterwards
    modules_before = set(sys.modules)
    sys.path.append(str(GSV_ERES2NET))
    from ERes2NetV2 import ERes2NetV2

    torch.manual_seed(0)
    torch.save(ERes2NetV2(baseWidth=24, scale=4, expansion=4).half().state_dict(), sv_dir / speaker.GSV_SV_CKPT)
    # Forget the code again: load_encoder must find it beside the checkpoint.
    _forget_modules(modules_before)
    sys.path.remove(str(GSV_ERES2NET))

    encoder = speaker.load_encoder(str(sv_dir))
    try:
        assert encoder.name == "gsv-v2pro-sv"
        vector = encoder.embed(*sf.read(str(clips["en+f2"][0]), dtype="float32"))
        assert vector.shape == (192,)
        assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)
    finally:
        speaker.clear_encoder_cache()
        _forget_modules(modules_before)  # GPT-SoVITS's top-level ERes2NetV2, kaldi, fusion...
    assert str(root / "GPT_SoVITS" / "eres2net") in sys.path  # put there by load_encoder


def _forget_modules(modules_before: set[str]) -> None:
    for name in set(sys.modules) - modules_before:
        del sys.modules[name]
