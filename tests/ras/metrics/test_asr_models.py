"""Finding the speech-recognition models a user already has, and which one serves each language."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ras.metrics.asr_models import (
    FUNASR_BACKEND,
    PARAFORMER_ZH,
    SENSEVOICE,
    WHISPER,
    WHISPER_BACKEND,
    WHISPER_BUNDLED,
    AsrSearch,
    family_of,
    find_asr_models,
)
from tests.fixtures.funasr import PARAFORMER


def search_in(home: Path, **overrides) -> AsrSearch:
    """Where a user with this home folder and no cache variables set has models."""
    return AsrSearch.from_environment(environ={}, home=home, **overrides)


def whisper_folder(folder: Path, *files: str) -> Path:
    folder.mkdir(parents=True)
    for name in files or ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt"):
        (folder / name).write_bytes(b"{}")
    return folder


def funasr_folder(folder: Path, bpe: str = "bpe.model") -> Path:
    """A FunASR folder's files as ModelScope ships them (contents are not read by discovery)."""
    folder.mkdir(parents=True)
    metas = {"init_param": "model.pt", "config": "config.yaml", "tokenizer_conf": {"bpemodel": bpe},
             "frontend_conf": {"cmvn_file": "am.mvn"}}
    (folder / "configuration.json").write_text(json.dumps({"file_path_metas": metas}))
    for name in ("model.pt", "config.yaml", bpe, "am.mvn"):
        (folder / name).write_bytes(b"x")
    return folder


def test_gpt_sovits_paraformer_serves_chinese_without_flags(tiny_funasr, tmp_path):
    models = find_asr_models(search_in(tmp_path, gsv_root=tiny_funasr.gsv_root))
    chinese = models.choose("all_zh").model
    assert chinese.folder == tiny_funasr.gsv_paraformer and chinese.family == PARAFORMER_ZH
    assert chinese.backend == FUNASR_BACKEND and chinese.source == "gpt-sovits"
    assert models.choose("en").model.family == WHISPER_BUNDLED  # the bundled tiny.en, last resort
    japanese = models.choose("ja")
    assert japanese.model is None and "no speech recognition model for 'ja'" in japanese.reason


def test_modelscope_cache_serves_every_language(tiny_funasr, tmp_path):
    models = find_asr_models(AsrSearch.from_environment(environ={"MODELSCOPE_CACHE": str(tiny_funasr.modelscope_cache)},
                                                        home=tmp_path))
    chosen = {lang: choice.model for lang, choice in models.choices().items()}
    assert chosen["zh"].folder == tiny_funasr.cached(PARAFORMER)  # Paraformer before SenseVoice for Chinese
    for lang in ("yue", "ja", "ko", "en"):  # SenseVoice hears them all, and before the bundled tiny.en
        assert chosen[lang].folder == tiny_funasr.cached("SenseVoiceSmall") and chosen[lang].family == SENSEVOICE
    assert chosen["zh"].name == f"iic/{PARAFORMER}" and chosen["zh"].source == "modelscope"
    assert not [m for m in models.found if "emotion2vec" in m.name]  # not a speech recogniser


def test_gpt_sovits_folder_is_preferred_to_the_same_model_in_the_cache(tiny_funasr, tmp_path):
    models = find_asr_models(AsrSearch.from_environment(
        gsv_root=tiny_funasr.gsv_root, environ={"MODELSCOPE_CACHE": str(tiny_funasr.modelscope_cache)}, home=tmp_path))
    assert models.choose("zh").model.folder == tiny_funasr.gsv_paraformer


def test_a_half_downloaded_folder_is_refused_naming_its_missing_files(tiny_funasr, tmp_path):
    gsv = tmp_path / "GPT-SoVITS"
    folder = gsv / "tools" / "asr" / "models" / PARAFORMER
    shutil.copytree(tiny_funasr.gsv_paraformer, folder)
    (folder / "model.pt").unlink()
    (folder / "am.mvn").unlink()
    models = find_asr_models(search_in(tmp_path, gsv_root=gsv))
    assert not [m for m in models.found if m.family == PARAFORMER_ZH]
    [refused] = models.refused
    assert refused.missing == ("model.pt", "am.mvn") and refused.folder == folder
    chinese = models.choose("zh")
    assert chinese.model is None and "missing model.pt, am.mvn" in chinese.reason and PARAFORMER in chinese.reason


def test_gpt_sovits_vad_and_punctuation_models_are_not_recognisers(tmp_path):
    models_dir = tmp_path / "gsv" / "tools" / "asr" / "models"
    funasr_folder(models_dir / "speech_fsmn_vad_zh-cn-16k-common-pytorch")
    funasr_folder(models_dir / "punc_ct-transformer_zh-cn-common-vocab272727-pytorch")
    (models_dir / "speech_UniASR_asr_2pass-cantonese-CHS-16k-common-vocab1468-tensorflow1-online").mkdir()
    models = find_asr_models(search_in(tmp_path, gsv_root=tmp_path / "gsv"))
    assert [m.family for m in models.found] == [WHISPER_BUNDLED]
    assert [r.family for r in models.refused] == ["uniasr-yue"]  # empty: refused, it is Cantonese ASR
    assert "missing configuration.json, config.yaml, model.pt" in models.choose("yue").reason


@pytest.mark.parametrize("layout", [
    ".cache/modelscope/hub/models/iic/SenseVoiceSmall",  # ModelScope up to 1.37
    ".cache/modelscope/hub/iic/SenseVoiceSmall",  # before its models/ folder
    ".cache/modelscope/models/iic--SenseVoiceSmall/snapshots/master",  # from 1.38
])
def test_every_modelscope_cache_layout_is_found(tmp_path, layout):
    funasr_folder(tmp_path / layout)
    choice = find_asr_models(search_in(tmp_path)).choose("ja")
    assert choice.model.folder == tmp_path / layout and choice.model.name == "iic/SenseVoiceSmall"


def test_huggingface_cache_whisper_and_unfinished_snapshots(tmp_path):
    hub = tmp_path / ".cache" / "huggingface" / "hub"
    repo = hub / "models--Systran--faster-whisper-medium"
    whisper_folder(repo / "snapshots" / "abc123")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("abc123")
    # large-v3 reads 128 mel bins only its preprocessor_config.json gives: without it, refused
    whisper_folder(hub / "models--Systran--faster-whisper-large-v3" / "snapshots" / "def456")
    unfinished = whisper_folder(hub / "models--Systran--faster-whisper-small" / "snapshots" / "0a1", "config.json")
    (unfinished / "model.bin").symlink_to(hub / "blobs" / "not-yet-downloaded")
    models = find_asr_models(search_in(tmp_path))
    chinese = models.choose("zh").model
    assert chinese.folder == repo / "snapshots" / "abc123" and chinese.name == "Systran/faster-whisper-medium"
    assert chinese.family == WHISPER and chinese.backend == WHISPER_BACKEND
    missing = {r.name: r.missing for r in models.refused}
    assert missing == {"Systran/faster-whisper-large-v3": ("preprocessor_config.json",),
                       "Systran/faster-whisper-small": ("model.bin", "tokenizer.json")}


def test_english_takes_the_largest_whisper_english_only_or_not(tmp_path):
    models_dir = tmp_path / "gsv" / "tools" / "asr" / "models"
    whisper_folder(models_dir / "faster-whisper-small")
    whisper_folder(models_dir / "faster-whisper-medium.en")
    models = find_asr_models(search_in(tmp_path, gsv_root=tmp_path / "gsv"))
    assert models.choose("en").model.name == "faster-whisper-medium.en"
    assert models.choose("zh").model.name == "faster-whisper-small"  # an English-only model hears no Chinese


def test_an_explicit_folder_comes_first_for_the_languages_it_serves(tiny_funasr, tmp_path):
    models_dir = tmp_path / "gsv" / "tools" / "asr" / "models"
    whisper_folder(models_dir / "faster-whisper-large-v2")
    sensevoice = tiny_funasr.cached("SenseVoiceSmall")
    models = find_asr_models(search_in(tmp_path, gsv_root=tmp_path / "gsv", override=sensevoice))
    assert all(choice.model.folder == sensevoice for choice in models.choices().values())
    english_only = whisper_folder(tmp_path / "my-model.en")
    models = find_asr_models(search_in(tmp_path, gsv_root=tmp_path / "gsv", override=english_only))
    assert models.choose("en").model.folder == english_only
    assert models.choose("zh").model.name == "faster-whisper-large-v2"


def test_an_unusable_explicit_folder_is_named_where_another_model_stands_in(tmp_path):
    models = find_asr_models(search_in(tmp_path, override=tmp_path / "nowhere"))
    english = models.choose("en")
    assert english.model.family == WHISPER_BUNDLED and "--asr-model folder not found" in english.reason


def test_family_names():
    assert family_of("speech_paraformer-large_asr_nat-zh-cn-16k-common-vocab8404-pytorch") == PARAFORMER_ZH
    assert family_of("iic/speech_seaco_paraformer_large_asr_nat-zh-cn-16k-common-vocab8404-pytorch") == PARAFORMER_ZH
    assert family_of("speech_paraformer-large_asr_nat-zh-cn-16k-common-vocab8404-online") is None  # streaming
    assert family_of("FunAudioLLM/Fun-ASR-Nano-2512") == "fun-asr-nano"
    assert family_of("faster-whisper-large-v3-turbo") == WHISPER
    assert family_of("speech_fsmn_vad_zh-cn-16k-common-pytorch") is None
