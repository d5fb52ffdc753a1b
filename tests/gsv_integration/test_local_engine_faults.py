"""LocalEngine survives a worker that dies or hangs (real worker, test markers)."""
import os
import signal
import threading
import time

import pytest

from gsv_integration.engine import EngineCrashed, EngineError, EngineHung
from gsv_integration.local_engine import LocalEngine
from gsv_integration.request import SynthesisRequest
from tests.fixtures.gsv import REF_PROMPT, WORKER_TEST_CONFIG

pytestmark = pytest.mark.gsv
HANG, SLOW = "HANGMARKER", "SLOWMARKER"
STALL_S = 4.0


@pytest.fixture(scope="module")
def engine(tiny_gsv, gsv_worker_env):
    env = {**gsv_worker_env, "RAS_WORKER_TEST_HANG_MARKER": HANG,
           "RAS_WORKER_TEST_SLOW_MARKER": SLOW}
    engine = LocalEngine(tiny_gsv.root, tiny_gsv.python, worker_config=WORKER_TEST_CONFIG,
                         env_extra=env, stall_timeout=STALL_S)
    engine.start()
    yield engine
    engine.close()


@pytest.fixture
def say(tiny_gsv, ref_wav):
    def make(text: str) -> SynthesisRequest:
        return SynthesisRequest(text=text, text_lang="en", ref_audio_path=str(ref_wav),
                                prompt_text=REF_PROMPT, prompt_lang="en",
                                gpt_weights=str(tiny_gsv.gpt[0]),
                                sovits_weights=str(tiny_gsv.sovits[0]), seed=1)
    return make


def group_exists(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_killed_worker_raises_crashed_then_restarts(engine, say, tmp_path):
    engine.start()
    victim = engine.pid
    threading.Timer(1.0, os.kill, (victim, signal.SIGKILL)).start()
    with pytest.raises(EngineCrashed, match="died"):
        engine.synthesize(say(f"This job is killed. {SLOW}"), tmp_path / "x.wav", timeout=60)
    result = engine.synthesize(say("Back to work."), tmp_path / "ok.wav", timeout=120)
    assert result.num_samples > 0 and engine.pid != victim and engine.restarts >= 1


def test_silent_hang_is_detected_by_missing_heartbeats(engine, say, tmp_path):
    engine.start()
    pgid = engine.pid
    started = time.monotonic()
    with pytest.raises(EngineHung, match="no sign of life"):
        engine.synthesize(say(f"This job hangs. {HANG}"), tmp_path / "x.wav", timeout=120)
    assert time.monotonic() - started < STALL_S + 5
    assert not engine.alive and not group_exists(pgid)


def test_job_that_never_ends_hits_the_timeout(engine, say, tmp_path):
    engine.start()
    pgid = engine.pid
    started = time.monotonic()
    with pytest.raises(EngineHung, match="no result"):
        engine.synthesize(say(f"This job is slow. {SLOW}"), tmp_path / "x.wav", timeout=6)
    assert time.monotonic() - started < 6 + 3
    assert not group_exists(pgid)
    # next call restarts a fresh worker
    assert engine.synthesize(say("Fine again."), tmp_path / "ok.wav", timeout=120).num_samples > 0


def test_root_without_pretrained_models_fails_at_start(tiny_gsv, gsv_worker_env, tmp_path):
    engine = LocalEngine(tmp_path, tiny_gsv.python, env_extra=gsv_worker_env, stall_timeout=30)
    with pytest.raises(EngineError, match="bert_path .*chinese-roberta-wwm-ext-large does not exist"):
        engine.start()
    assert not engine.alive


def test_relative_interpreter_path_works_from_the_gsv_folder(tiny_gsv, gsv_worker_env, say, tmp_path):
    """The README's tiny setup passes `--gsv-python .venv-gsv/bin/python`, relative to where RAS starts,
    while the worker runs inside the GPT-SoVITS folder."""
    relative = os.path.relpath(tiny_gsv.python)
    assert not os.path.isabs(relative) and os.path.relpath(tiny_gsv.root) != "."
    engine = LocalEngine(tiny_gsv.root, relative, worker_config=WORKER_TEST_CONFIG, env_extra=gsv_worker_env,
                         stall_timeout=60)
    try:
        assert engine.synthesize(say("Relative paths are fine."), tmp_path / "ok.wav", timeout=120).num_samples > 0
    finally:
        engine.close()


def test_interpreter_that_cannot_run_is_an_engine_error_naming_it(tiny_gsv, gsv_worker_env, tmp_path):
    not_executable = tmp_path / "python"
    not_executable.write_text("#!/bin/sh\n")  # exists, but has no execute permission
    engine = LocalEngine(tiny_gsv.root, not_executable, env_extra=gsv_worker_env, stall_timeout=30)
    with pytest.raises(EngineError, match=f"cannot start GPT-SoVITS python {not_executable}.*--gsv-python"):
        engine.start()
    assert not engine.alive
