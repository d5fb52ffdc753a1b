"""The autopilot on the planted engine through the real queue runner and analysis step (no web server).

Half the takes carry a planted failure; the engine's own record is the ground truth the
re-rolled TTS take is checked against.
"""
from __future__ import annotations

import time

import pytest
import soundfile

from ras.analysis.analyzer import Analyzer
from ras.library import texts
from ras.long_text import runs as long_text
from ras.long_text import status as run_views
from ras.products import rows as products
from ras.products import speech as product_speech
from ras.queue.runner import Runner
from ras.queue.tasks import create_task
from tests.fixtures.planted import CLEAR_LONG_TEXT, planted_role
from tests.fixtures.planted_engine import Profile

pytestmark = pytest.mark.slow
MAX_TRIES = 4


@pytest.fixture
def planted(tmp_path):
    import torch  # the analysis step's speaker encoder: one thread, as more only contend on 2 cores

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    ws, role, engine = planted_role(tmp_path, "种植", "自动", Profile(fail_rate=0.5))
    analyzer = Analyzer(ws)
    runner = Runner(ws, lambda: [engine], on_result=analyzer.submit)
    runner.add_result_listener(lambda r, job_id: long_text.after_result(ws, r, job_id))
    analyzer.add_listener(lambda r, job_id: long_text.after_analysis(ws, runner, r, job_id))
    text_id = texts.add_text(ws=ws, content="A short line to pick a configuration.", lang="en")
    task = create_task(ws=ws, role=role, spec={"clip_ids": [1], "text_ids": [text_id],
                                               "base": {"seed": 3, "text_split_method": "cut5"}})
    runner.run_task(role, task.task_id)
    source = wait(lambda: next(iter(long_text.top_results(ws=ws, role=role, task_id=task.task_id, n=1)), None),
                  60, "the configuration's take")
    yield ws, role, engine, analyzer, runner, source
    runner.shutdown()
    analyzer.shutdown()
    ws.close()
    torch.set_num_threads(threads)


def wait(predicate, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise TimeoutError(f"{what} did not happen within {timeout} s")


def settled(ws, role, run_id):
    status = run_views.run_status(ws=ws, role=role, run_id=run_id)
    return status if status.settled else None


def test_every_sentence_with_a_clean_try_ends_clean_and_the_rest_need_listening(planted):
    ws, role, engine, _, runner, source = planted
    run = long_text.start_long_text(ws=ws, role=role, result_ids=[source], text=CLEAR_LONG_TEXT,
                                    options={"max_tries": MAX_TRIES})
    runner.run_task(role, run.task_id)
    status = wait(lambda: settled(ws, role, run.run_id), 900, "the autopilot run to settle")
    truth = {(t["text"], t["seed"]): t["planted"] for t in engine.takes}
    sentences = status.parts[0].sentences
    kinds_per_sentence = [[truth[(s.text, t.seed)] for t in s.tries] for s in sentences]
    print("\nplanted kinds of the tries per sentence:", kinds_per_sentence)
    assert len(sentences) == 6
    for sentence, kinds in zip(sentences, kinds_per_sentence):
        assert 1 <= len(kinds) <= MAX_TRIES
        chosen = [k for k, t in zip(kinds, sentence.tries) if t.chosen]
        assert len(chosen) == 1
        if None in kinds:
            assert chosen == [None] and not sentence.needs_listening, (
                kinds, [(t.reasons, t.chars_per_second) for t in sentence.tries])
        else:
            assert sentence.needs_listening and len(kinds) == MAX_TRIES, (kinds, sentence.tries)
    assert status.needs_listening == sum(None not in kinds for kinds in kinds_per_sentence)
    # the joined audio is made of the chosen takes
    listing = soundfile.info(status.parts[0].joined_audio)
    chosen_seconds = sum(t.duration for s in sentences for t in s.tries if t.chosen)
    assert abs(listing.duration - chosen_seconds - 0.3 * (len(sentences) - 1)) < 0.01


def test_tts_rerolls_until_a_take_passes(planted, tmp_path):
    ws, role, engine, analyzer, runner, source = planted
    products.create_product(ws=ws, role=role, result_id=source, name="planted-voice")
    for text in ("The garden behind the old house was full of yellow flowers.",
                 "A letter arrived this morning from an old friend abroad."):
        before = len(engine.takes)
        wav = product_speech.tts(ws=ws, runner=runner, product="planted-voice", text=text, text_lang="en",
                           max_tries=MAX_TRIES, measure=analyzer.analyze_file)
        made = engine.takes[before:]
        assert 1 <= len(made) <= MAX_TRIES
        info = soundfile.info(str(wav))
        returned = [t for t in made if abs(t["out_seconds"] - info.frames / info.samplerate) < 0.002]
        assert len(returned) == 1, made
        if any(t["planted"] is None for t in made):
            # a clean take may still miss the gate (say, a word the ASR mishears), so the tries
            # can go on past it; whatever happens, the take returned is a clean one
            assert returned[0]["planted"] is None, made
