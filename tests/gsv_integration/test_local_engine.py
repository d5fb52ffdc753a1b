"""Real GPT-SoVITS inference through LocalEngine (tiny random models, CPU)."""
from pathlib import Path

import numpy as np
import pytest
import soundfile

from gsv_integration.engine import Engine, SynthesisInputError
from gsv_integration.local_engine import LocalEngine
from gsv_integration.request import SynthesisRequest
from tests.fixtures.gsv import REF_PROMPT, WORKER_TEST_CONFIG

pytestmark = pytest.mark.gsv


@pytest.fixture(scope="module")
def engine(tiny_gsv, gsv_worker_env):
    engine = LocalEngine(tiny_gsv.root, tiny_gsv.python, worker_config=WORKER_TEST_CONFIG,
                         env_extra=gsv_worker_env, stall_timeout=60)
    engine.start()
    yield engine
    engine.close()


@pytest.fixture
def request_for(tiny_gsv, ref_wav):
    def make(gpt=0, sovits=0, **changes) -> SynthesisRequest:
        fields = dict(text="Hello world, this is a tiny test.", text_lang="en",
                      ref_audio_path=str(ref_wav), prompt_text=REF_PROMPT, prompt_lang="en",
                      gpt_weights=str(tiny_gsv.gpt[gpt]), sovits_weights=str(tiny_gsv.sovits[sovits]),
                      seed=1234)
        fields.update(changes)
        return SynthesisRequest(**fields)
    return make


def loads(result) -> tuple[bool, bool, bool]:
    return result.loaded_gpt, result.loaded_sovits, result.encoded_ref


def test_engine_protocol_and_capabilities(engine):
    assert isinstance(engine, Engine)
    caps = engine.capabilities()
    assert caps["device"] == "cpu" and "v2Pro" in caps["versions"]
    assert [m["version"] for m in engine.list_weights()["sovits"]] == ["v2", "v2"]


def test_worker_keeps_ras_off_its_sys_path(engine, tiny_gsv):
    ras_root = str(Path(__file__).resolve().parents[2])
    info = engine.worker_info
    assert info["cwd"] == str(tiny_gsv.root) and info["python"] == tiny_gsv.python
    # GPT-SoVITS itself appends its cwd (the tiny root, cached inside the repo).
    ours = [p for p in info["sys_path"] if p.startswith(ras_root)
            and ".venv-gsv" not in p and not p.startswith(str(tiny_gsv.root))]
    assert ours == []
    assert ".venv-gsv" in info["gsv_modules"]["tools"]  # the wheel's tools, not a RAS folder


def test_synthesis_writes_a_wav_then_identical_request_loads_nothing(engine, request_for, tmp_path):
    first = engine.synthesize(request_for(), tmp_path / "first.wav.tmp", timeout=120)
    info = soundfile.info(str(tmp_path / "first.wav.tmp"))
    assert (info.samplerate, first.sample_rate) == (32000, 32000)
    assert info.frames == first.num_samples > 0 and first.duration > 0
    assert first.timings["synth_s"] > 0
    second = engine.synthesize(request_for(), tmp_path / "second.wav", timeout=60)
    assert loads(second) == (False, False, False)
    # same seed, same models, same reference: the same audio
    a, _ = soundfile.read(str(tmp_path / "first.wav.tmp"), dtype="int16")
    b, _ = soundfile.read(str(tmp_path / "second.wav"), dtype="int16")
    assert np.array_equal(a, b)


def test_switching_weights_loads_each_once(engine, request_for, tmp_path, tiny_gsv):
    user_config = tiny_gsv.root / "GPT_SoVITS" / "configs" / "tts_infer.yaml"
    config_before = user_config.read_text()
    engine.synthesize(request_for(), tmp_path / "warm.wav", timeout=120)
    gpt_b = engine.synthesize(request_for(gpt=1), tmp_path / "1.wav", timeout=60)
    assert loads(gpt_b) == (True, False, False)  # GPT change keeps the encoded reference
    assert "load_gpt_s" in gpt_b.timings
    assert loads(engine.synthesize(request_for(gpt=1), tmp_path / "2.wav", timeout=60)) == (
        False, False, False)
    # A new SoVITS re-encodes the reference (its latents come from that model).
    sovits_b = engine.synthesize(request_for(gpt=1, sovits=1), tmp_path / "3.wav", timeout=60)
    assert loads(sovits_b) == (False, True, True)
    assert loads(engine.synthesize(request_for(gpt=1, sovits=1, seed=5), tmp_path / "4.wav",
                                   timeout=60)) == (False, False, False)
    assert user_config.read_text() == config_before  # the worker never rewrites it


def test_aux_reference_and_parameters(engine, request_for, tmp_path, ref_wav):
    request = request_for(aux_ref_audio_paths=[str(ref_wav)], speed_factor=1.2, top_k=5,
                          text_split_method="cut5", batch_size=2)
    result = engine.synthesize(request, tmp_path / "aux.wav", timeout=60)
    assert result.encoded_ref and result.num_samples > 0


def test_missing_reference_is_an_input_error(engine, request_for, tmp_path):
    pid = engine.pid
    missing = tmp_path / "nowhere" / "ref.wav"
    with pytest.raises(SynthesisInputError, match=str(missing)):
        engine.synthesize(request_for(ref_audio_path=str(missing)), tmp_path / "x.wav", timeout=60)
    assert engine.pid == pid and engine.alive


def test_reference_outside_3_to_10_s_is_an_input_error(engine, request_for, tmp_path):
    long_ref = tmp_path / "long.wav"
    soundfile.write(str(long_ref), np.zeros(16000 * 11, dtype=np.float32), 16000)
    with pytest.raises(SynthesisInputError, match=r"long\.wav lasts 11\.00 s"):
        engine.synthesize(request_for(ref_audio_path=str(long_ref)), tmp_path / "x.wav", timeout=60)


def test_corrupt_weights_are_an_input_error_naming_the_file(engine, request_for, tmp_path):
    corrupt = tmp_path / "SoVITS_weights_v2" / "broken.pth"
    corrupt.parent.mkdir()
    corrupt.write_bytes(b"01" + b"\0" * 4096)
    with pytest.raises(SynthesisInputError, match="broken.pth"):
        engine.synthesize(request_for(sovits_weights=str(corrupt)), tmp_path / "x.wav", timeout=60)
    # The worker keeps serving with its loaded models.
    result = engine.synthesize(request_for(), tmp_path / "after.wav", timeout=60)
    assert result.num_samples > 0


def test_invalid_request_is_refused_before_the_worker(engine, request_for, tmp_path):
    with pytest.raises(SynthesisInputError, match="top_k"):
        engine.synthesize(request_for(top_k=0), tmp_path / "x.wav")
