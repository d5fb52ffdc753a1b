"""Getting a missing standard speech recognition model on purpose: downloaded with ModelScope's own
client (in a child process) from a hub that serves the tiny models, into GPT-SoVITS's tools/asr/models
or the ModelScope cache, where discovery then finds it; offline or broken downloads fail saying what
to do by hand and leave no folder that looks like a model."""
from __future__ import annotations

import time

import pytest

from ras.errors import InputError
from ras.metrics.asr import AsrConfig
from ras.metrics.asr_fetch import AsrFetchFailed, fetch_standard_model
from ras.metrics.asr_models import FUNASR_BACKEND, PARAFORMER_ZH, SENSEVOICE
from tests.fixtures.funasr import PARAFORMER
from tests.fixtures.modelscope_hub import closed_port, fake_hub

PARAFORMER_ID = f"iic/{PARAFORMER}"


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
