"""The worker's frozen heap changes speed only: the same requests give the same audio."""
import numpy as np
import pytest
import soundfile

from gsv_integration.local_engine import LocalEngine
from gsv_integration.request import SynthesisRequest
from tests.fixtures.gsv import REF_PROMPT, WORKER_TEST_CONFIG

pytestmark = pytest.mark.gsv


def takes(tiny_gsv, ref_wav, env, folder, *, freeze: bool) -> list[np.ndarray]:
    """Three takes across a GPT and a SoVITS switch (the switches unfreeze and refreeze)."""
    plan = [(0, 0, "Hello world, this is a tiny test."), (1, 0, "A second sentence, spoken after a switch."),
            (1, 1, "Hello world, this is a tiny test.")]
    audio = []
    with LocalEngine(tiny_gsv.root, tiny_gsv.python, worker_config={**WORKER_TEST_CONFIG, "freeze_heap": freeze},
                     env_extra=env, stall_timeout=60) as engine:
        for n, (gpt, sovits, text) in enumerate(plan):
            request = SynthesisRequest(text=text, text_lang="en", ref_audio_path=str(ref_wav),
                                       prompt_text=REF_PROMPT, prompt_lang="en", seed=77,
                                       gpt_weights=str(tiny_gsv.gpt[gpt]), sovits_weights=str(tiny_gsv.sovits[sovits]))
            out = folder / f"{'frozen' if freeze else 'plain'}_{n}.wav"
            engine.synthesize(request, out, timeout=180)
            audio.append(soundfile.read(str(out), dtype="int16")[0])
    return audio


def test_frozen_heap_gives_bit_identical_audio(tiny_gsv, ref_wav, gsv_worker_env, tmp_path):
    plain = takes(tiny_gsv, ref_wav, gsv_worker_env, tmp_path, freeze=False)
    frozen = takes(tiny_gsv, ref_wav, gsv_worker_env, tmp_path, freeze=True)
    assert all(len(a) > 0 for a in plain)
    assert not np.array_equal(plain[0], plain[2])  # the SoVITS switch really changed the voice
    for n, (a, b) in enumerate(zip(plain, frozen)):
        assert np.array_equal(a, b), f"take {n} differs with the frozen heap"
