"""Long-text takes on real role DBs: re-rolls bounded by max_tries, needs-listening, choice, export timings.

Takes land as the queue leaves them (a wav and a done row) and are measured as the analysis
step stores metrics; the review then runs exactly as the analysis listener calls it.
"""
from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import numpy as np
import soundfile

from ras.emotions import Reference
from ras.gate import Gate, passes
from ras.long_text import export as long_text_export
from ras.long_text import runs as long_text
from ras.long_text import status as run_views
from ras.long_text.takes import Sentence, needs_listening, normal_rate, sentence_rates
from ras.store.role_tables import Job
from tabs.api_json import to_json
from tests.fixtures.long_text import RecordingRunner, land, land_unanalysed, queued

TEXT = "The first sentence is here. The second one follows. And the third ends it."


def second_sentence_fails(ws, role, result_id, max_tries):
    """A run of TEXT whose three first takes land measured, the second failing (a repeat, score 40), and the
    analysis listener has reviewed each: (run, runner, task id, the three first takes' ids)."""
    started = long_text.start_long_text(ws=ws, role=role, result_ids=[result_id], text=TEXT,
                                        options={"max_tries": max_tries, "min_auto_score": 70})
    runner, task_id = RecordingRunner(), started.task_id
    first, second, third = queued(ws, role, task_id)
    land(ws, role, first, 1.6)
    land(ws, role, second, 1.4, score=40, flags=("repeat",))
    land(ws, role, third, 1.8)
    for job_id in (first, second, third):
        long_text.after_analysis(ws, runner, role, job_id)
    return started, runner, task_id, (first, second, third)


def test_failing_sentences_are_rerolled_up_to_max_tries_and_the_rest_need_listening(setup):
    ws, role, _, result_id, _ = setup
    started, runner, task_id, (first, second, third) = second_sentence_fails(ws, role, result_id, 3)
    assert len(runner.added) == 1 and queued(ws, role, task_id) == runner.added  # only the failing sentence
    reroll = runner.added[0]
    land(ws, role, reroll, 1.5, score=50, flags=("long_pause",))
    long_text.after_analysis(ws, runner, role, reroll)
    last = runner.added[-1]
    assert len(runner.added) == 2
    land(ws, role, last, 1.3, score=55, flags=("repeat",))
    assert long_text.after_analysis(ws, runner, role, last) == []  # three tries: no fourth

    status = run_views.run_status(ws=ws, role=role, run_id=started.run_id)
    part = status.parts[0]
    sentences = part.sentences
    assert [len(s.tries) for s in sentences] == [1, 3, 1]
    assert [s.needs_listening for s in sentences] == [False, True, False]
    assert status.needs_listening == 1 and status.sentence_count == 3
    # no take passed: the one without a hard flag... all have one, so the highest score is used
    assert [t.chosen for t in sentences[1].tries] == [False, False, True]
    assert "flag:repeat" in sentences[1].tries[0].reasons and sentences[1].tries[0].seed is None
    assert all(t.seed is not None for t in sentences[1].tries[1:])
    assert part.joined_audio and "path" not in json.dumps(to_json(status))

    # a person listens and picks the second try: kept, no longer needs listening, joined audio follows
    chosen = long_text.choose_take(ws=ws, role=role, run_id=started.run_id, part_id=part.part_id, index=1,
                                   result_id=reroll)
    assert chosen.chosen_result_id == reroll and chosen.chosen_by_person and not chosen.needs_listening
    listing = json.loads(Path(part.joined_audio.replace(".wav", ".json")).read_text())
    assert [s["result_id"] for s in listing["sentences"]] == [first, reroll, third]
    assert listing["duration"] == round(1.6 + 1.5 + 1.8 + 2 * 0.3, 3)
    # the review never overrides a person's choice
    long_text.after_analysis(ws, runner, role, last)
    again = run_views.run_status(ws=ws, role=role, run_id=started.run_id).parts[0].sentences[1]
    assert again.chosen_result_id == reroll


def test_a_take_whose_analysis_failed_is_rerolled_and_then_marked_for_listening(setup):
    """Analysis that gave up does not stall the autopilot: the take counts as not passing, the sentence is
    re-rolled while tries remain, then marked for listening, and the joined audio is built."""
    ws, role, _, result_id, _ = setup
    started = long_text.start_long_text(ws=ws, role=role, result_ids=[result_id], text=TEXT,
                                        options={"max_tries": 2})
    runner, task_id = RecordingRunner(), started.task_id
    first, second, third = queued(ws, role, task_id)
    land(ws, role, first, 1.6)
    land_unanalysed(ws, role, second, 1.4)
    land(ws, role, third, 1.8)
    for job_id in (first, second, third):
        long_text.after_analysis(ws, runner, role, job_id)
    assert len(runner.added) == 1  # the unmeasured sentence gets another take
    land_unanalysed(ws, role, runner.added[0], 1.5)
    assert long_text.after_analysis(ws, runner, role, runner.added[0]) == []  # two tries: none more

    part = run_views.run_status(ws=ws, role=role, run_id=started.run_id).parts[0]
    sentence = part.sentences[1]
    assert sentence.needs_listening and len(sentence.tries) == 2
    assert all(t.reasons == ("analysis_failed",) and "failed twice" in t.analysis_error
               for t in sentence.tries)
    assert part.joined_audio  # nothing is pending: the part was joined


def test_a_cancelled_run_stops_rerolling(setup):
    ws, role, _, result_id, _ = setup
    started = long_text.start_long_text(ws=ws, role=role, result_ids=[result_id], text=TEXT,
                                        options={"max_tries": 4})
    runner, task_id = RecordingRunner(), started.task_id
    first, second, third = queued(ws, role, task_id)
    land(ws, role, first, 1.5, score=30, flags=("repeat",))
    with ws.role_session(role) as session:  # what runner.cancel_task does to the rest of the queue
        for job_id in (second, third):
            job = session.get(Job, job_id)
            job.status = "cancelled"
            session.add(job)
        session.commit()
    assert long_text.after_analysis(ws, runner, role, first) == []
    assert queued(ws, role, task_id) == []


def voiced_spans(path, gap_seconds=0.15):
    """(start, end) of each stretch of sound in a wav, measured from its samples."""
    samples, sr = soundfile.read(str(path), dtype="float32")
    loud = np.flatnonzero(np.abs(samples) > 0.02)
    breaks = np.flatnonzero(np.diff(loud) > gap_seconds * sr)
    starts = np.concatenate([[loud[0]], loud[breaks + 1]])
    ends = np.concatenate([loud[breaks], [loud[-1]]])
    return [(s / sr, (e + 1) / sr) for s, e in zip(starts, ends)]


def srt_seconds(stamp):
    h, m, rest = stamp.split(":")
    s, ms = rest.split(",")
    return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def test_the_export_subtitles_match_the_joined_audio_within_20_ms(setup, tmp_path):
    ws, role, _, result_id, _ = setup
    started = long_text.start_long_text(ws=ws, role=role, result_ids=[result_id], text=TEXT,
                                        options={"max_tries": 2})
    runner, task_id = RecordingRunner(), started.task_id
    ids = queued(ws, role, task_id)
    for job_id, seconds in zip(ids, (1.37, 1.12, 1.45)):  # one speaking rate, three lengths
        land(ws, role, job_id, seconds)
    for job_id in ids:
        long_text.after_analysis(ws, runner, role, job_id)
    part_id = run_views.run_status(ws=ws, role=role, run_id=started.run_id).parts[0].part_id
    with zipfile.ZipFile(long_text_export.export_part(ws=ws, role=role, part_id=part_id)) as archive:
        archive.extractall(tmp_path / "export")
        names = archive.namelist()
    stem = f"long_text_{started.run_id}_{part_id}"
    srt = (tmp_path / "export" / f"{stem}.srt").read_text(encoding="utf-8")
    cues = re.findall(r"(\d\d:\d\d:\d\d,\d\d\d) --> (\d\d:\d\d:\d\d,\d\d\d)\n(.+)", srt)
    assert [c[2] for c in cues] == list(started.sentences)
    measured = voiced_spans(tmp_path / "export" / f"{stem}.wav")
    assert len(measured) == 3
    for (start, end, _), (heard_start, heard_end) in zip(cues, measured):
        assert abs(srt_seconds(start) - heard_start) <= 0.02 and abs(srt_seconds(end) - heard_end) <= 0.02
    details = json.loads((tmp_path / "export" / "long_text.json").read_text(encoding="utf-8"))
    assert [d["file"] for d in details["sentences"]] == [n for n in names if n.startswith("sentences/")]
    assert details["max_tries"] == 2 and details["params"]["top_k"] == 7
    assert all(d["params"]["seed"] == 42 and d["result_id"] in ids for d in details["sentences"])
    one, sr = soundfile.read(str(tmp_path / "export" / "sentences" / "002.wav"))
    assert abs(len(one) / sr - 1.12) < 0.001


def test_a_choice_made_while_the_review_runs_is_kept(setup, monkeypatch):
    from ras.long_text import takes

    ws, role, _, result_id, _ = setup
    started = long_text.start_long_text(ws=ws, role=role, result_ids=[result_id], text=TEXT,
                                        options={"max_tries": 3, "min_auto_score": 70})
    runner, task_id = RecordingRunner(), started.task_id
    first, second, third = queued(ws, role, task_id)
    for job_id, score in ((first, 90), (second, 40), (third, 90)):
        land(ws, role, job_id, 1.5, score=score)
        long_text.after_analysis(ws, runner, role, job_id)
    reroll = runner.added[0]
    land(ws, role, reroll, 1.5, score=95)  # the autopilot would now choose the re-roll for sentence 1
    part_id = run_views.run_status(ws=ws, role=role, run_id=started.run_id).parts[0].part_id

    # a person keeps the first try of sentence 1 after the review has read the sentences, before it writes
    normal_rate, chose = takes.normal_rate, []

    def person_chooses_meanwhile(*args, **kwargs):
        if not chose:
            chose.append(True)
            long_text.choose_take(ws=ws, role=role, run_id=started.run_id, part_id=part_id, index=1,
                                  result_id=second)
        return normal_rate(*args, **kwargs)

    monkeypatch.setattr(takes, "normal_rate", person_chooses_meanwhile)
    long_text.after_analysis(ws, runner, role, reroll)
    assert chose
    sentence = run_views.run_status(ws=ws, role=role, run_id=started.run_id).parts[0].sentences[1]
    assert sentence.chosen_result_id == second and sentence.chosen_by_person


def _sentences(rates_by_emotion: list[tuple[str, float]]) -> list:
    found = []
    for index, (emotion, rate) in enumerate(rates_by_emotion):
        job = Job(id=index + 1, task_id=1, param_set_id=1, clip_id=1, text=f"sentence {index}", text_lang="en",
                  status="done", auto_score=90.0, chars_per_second=rate, emotion=emotion,
                  spectrogram_path="x.png")
        found.append(Sentence(index, job, [job], None))
    return found


def test_each_emotions_sentences_are_judged_by_that_emotions_own_speaking_rate():
    """A happy reference speaks faster than a calm one: calm 2.0 chars/s and happy 3.5 would fail each other's
    range (all calm "too slow", all happy "too fast" against their mixed median); each emotion's own range
    passes them, and still catches the take that is too fast for its own emotion."""
    gate = Gate()
    sentences = _sentences([("", 2.0), ("", 2.0), ("", 2.1), ("", 2.0), ("happy", 3.5), ("happy", 3.4),
                            ("happy", 3.6), ("happy", 5.6)])
    mixed = normal_rate(sentences, gate)
    assert not passes(sentences[0].measured[1], gate, mixed) and not passes(sentences[4].measured[5], gate, mixed)
    rates = sentence_rates(sentences, gate)
    judged = [needs_listening(s, gate, rate) for s, rate in zip(sentences, rates)]
    assert judged == [False] * 7 + [True]  # only the happy take far faster than happy speech


def test_a_person_gives_one_sentence_another_emotion_and_its_old_takes_stop_counting(setup):
    ws, role, _, result_id, _ = setup
    started, runner, task_id, (_, second, _) = second_sentence_fails(ws, role, result_id, 2)
    reroll = runner.added[0]
    land(ws, role, reroll, 1.5, score=95)
    long_text.after_analysis(ws, runner, role, reroll)
    happy = Reference("happy", "products/1/emotion-happy.wav", "A happy line.", "en", 7)

    requeued = long_text.set_sentence_emotion(ws=ws, runner=runner, role=role, run_id=started.run_id, index=1,
                                              reference=happy)
    assert requeued.job_ids == (second,) and runner.started[-1] == task_id
    with ws.role_session(role) as session:
        head = session.get(Job, second)
        assert (head.status, head.emotion) == ("queued", "happy")
        # what the engine is asked to speak with
        assert Reference.read("happy", json.loads(head.reference_json)) == happy
    row = run_views.run_status(ws=ws, role=role, run_id=started.run_id).parts[0].sentences[1]
    assert row.emotion == "happy" and [t.result_id for t in row.tries] == [second]  # the calm re-roll set aside
    land(ws, role, second, 1.5, score=40, flags=("repeat",))
    assert long_text.after_analysis(ws, runner, role, second)  # its own emotion gets its own tries again
