"""/tts by product name: the request is built from the product."""
from __future__ import annotations

from pathlib import Path

import pytest

from ras.products import rows as products
from ras.products import speech as product_speech
from tests.fixtures.app import write_tone


class FakeRunner:
    def __init__(self):
        self.requests = []

    def synthesize_now(self, request, out_path):
        self.requests.append(request)
        write_tone(Path(out_path), 1.0)


def test_tts_by_name_builds_the_request_from_the_product(setup):
    ws, role, _, result_id, _ = setup
    products.create_product(ws=ws, role=role, result_id=result_id, name="hero")
    runner = FakeRunner()
    wav = product_speech.tts(ws=ws, runner=runner, product="hero", text="Good morning.", text_lang="en")
    assert wav.is_file() and wav.parent.name == "tts" and not list(wav.parent.glob(".*"))
    sent = runner.requests[0]
    assert (sent.text, sent.top_k, sent.seed, sent.speed_factor, sent.gpt_weights) == (
        "Good morning.", 7, 42, 1.1, "/models/a.ckpt")
    assert "/products/" in sent.ref_audio_path
    with pytest.raises(LookupError, match="nobody"):
        product_speech.tts(ws=ws, runner=runner, product="nobody", text="x", text_lang="en")
