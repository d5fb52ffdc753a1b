"""HttpEngine against a real GPT-SoVITS api_v2 server from the runtime."""

import pytest
import soundfile

from gsv_integration.engine import EngineCrashed, EngineError, EngineHung, SynthesisInputError
from gsv_integration.http_engine import HttpEngine
from gsv_integration.request import SynthesisRequest
from tests.fixtures.gsv import REF_PROMPT, free_port

pytestmark = pytest.mark.gsv


@pytest.fixture
def request_for(tiny_gsv, ref_wav):
    def make(**changes) -> SynthesisRequest:
        fields = dict(text="Hello world, this is a tiny test.", text_lang="en",
                      ref_audio_path=str(ref_wav), prompt_text=REF_PROMPT, prompt_lang="en",
                      gpt_weights=str(tiny_gsv.gpt[1]), sovits_weights=str(tiny_gsv.sovits[1]),
                      seed=7)
        fields.update(changes)
        return SynthesisRequest(**fields)
    return make


def test_http_synthesis_sets_weights_once(api_url, request_for, tmp_path, tiny_gsv):
    engine = HttpEngine(api_url, weight_dirs=(str(tiny_gsv.root),))
    assert len(engine.list_weights()["gpt"]) == 2
    engine.start()
    assert engine.capabilities()["parameters"]["repetition_penalty"] is True
    first = engine.synthesize(request_for(), tmp_path / "a.wav", timeout=120)
    assert (first.loaded_gpt, first.loaded_sovits) == (True, True)
    assert soundfile.info(str(tmp_path / "a.wav")).samplerate == first.sample_rate == 32000
    assert first.num_samples > 0
    second = engine.synthesize(request_for(seed=8), tmp_path / "b.wav", timeout=120)
    assert (second.loaded_gpt, second.loaded_sovits) == (False, False)


def test_http_input_errors(api_url, request_for, tmp_path):
    engine = HttpEngine(api_url)
    missing = tmp_path / "missing.wav"
    with pytest.raises(SynthesisInputError, match="missing.wav"):
        engine.synthesize(request_for(ref_audio_path=str(missing)), tmp_path / "x.wav", timeout=60)
    corrupt = tmp_path / "broken.pth"
    corrupt.write_bytes(b"01" + b"\0" * 4096)
    with pytest.raises(SynthesisInputError, match="broken.pth"):
        engine.synthesize(request_for(sovits_weights=str(corrupt)), tmp_path / "x.wav", timeout=60)


def test_http_silence_placeholder_is_an_error(api_url, request_for, tmp_path):
    # Text with nothing to speak: api_v2 answers 200 with TTS.run's 1 s of 16 kHz zeros.
    with pytest.raises(EngineError, match="1 s of silence"):
        HttpEngine(api_url).synthesize(request_for(text="。。。"), tmp_path / "x.wav", timeout=60)


def test_unreachable_server_is_a_crash():
    engine = HttpEngine(f"http://127.0.0.1:{free_port()}")
    with pytest.raises(EngineCrashed, match="unreachable"):
        engine.start()


def test_server_that_never_answers_is_hung():
    import socket
    import threading

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        accepted = []  # keep the connection open, never answer
        threading.Thread(target=lambda: accepted.append(listener.accept()), daemon=True).start()
        engine = HttpEngine(f"http://127.0.0.1:{listener.getsockname()[1]}", connect_timeout=1)
        with pytest.raises(EngineHung, match="no answer"):
            engine.start()


def test_server_killed_mid_answer_is_a_crash_not_a_failed_job(request_for, tmp_path):
    """A server that dies while sending a take: the runner retries the job elsewhere instead of failing it."""
    import socket
    import threading

    def serve(listener):
        while True:
            connection, _ = listener.accept()
            with connection:
                asked = connection.recv(65536)
                if asked.startswith(b"GET /set_"):
                    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nsuccess")
                else:  # the take's headers promise 228090 bytes; the process dies after four
                    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: audio/wav\r\n"
                                       b"Content-Length: 228090\r\n\r\nRIFF")
                    return

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        threading.Thread(target=serve, args=(listener,), daemon=True).start()
        engine = HttpEngine(f"http://127.0.0.1:{listener.getsockname()[1]}", connect_timeout=5)
        with pytest.raises(EngineCrashed, match="unreachable during synthesis"):
            engine.synthesize(request_for(), str(tmp_path / "out.wav"), timeout=10)
