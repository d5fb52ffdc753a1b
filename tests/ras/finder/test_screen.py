"""Screening a clip as a reference: each defect a user would hear gets its own reason; good clips pass."""
from __future__ import annotations

import numpy as np
import pytest

from ras.finder.screen import ClipFacts, ScreenLimits, ScreenRow, measure_audio, screen
from tests.fixtures.audio import noise_samples, read_wav

SENTENCE = "The quiet river runs past the old mill, and the children wave from the bridge."


def facts_of(samples, sr, text=SENTENCE, clip_id=1, lang="en", embedding=None) -> ClipFacts:
    facts = ClipFacts(clip_id=clip_id, duration=len(samples) / sr, text=text, lang=lang, embedding=embedding)
    for key, value in measure_audio(samples, sr).items():
        setattr(facts, key, value)
    return facts


@pytest.fixture(scope="module")
def clean(espeak_wav):
    return read_wav(espeak_wav(SENTENCE))


def codes(row) -> list[str]:
    return [r.code for r in row.why]


def test_a_clean_espeak_clip_passes_every_check(clean):
    samples, sr = clean
    row = screen([facts_of(samples, sr)])[0]
    assert row == ScreenRow(clip_id=1, excluded=False, forced=False) and row.reasons == ()


def test_each_acoustic_defect_is_named(clean):
    samples, sr = clean
    noisy = samples + noise_samples(len(samples) / sr, sr, rms=0.02, seed=1)
    clipped = np.clip(samples * 8, -0.5, 0.5)
    half = len(samples) // 2
    paused = np.concatenate([samples[:half], np.zeros(int(2.0 * sr), dtype=np.float32), samples[half:]])
    rows = screen([facts_of(noisy, sr, clip_id=1), facts_of(clipped, sr, clip_id=2),
                   facts_of(paused, sr, clip_id=3), facts_of(samples[: int(2.0 * sr)], sr, clip_id=4)])
    assert "noisy" in codes(rows[0])
    assert "clipped" in codes(rows[1])
    assert "long_silence" in codes(rows[2])
    assert "duration" in codes(rows[3])
    assert all(r.excluded for r in rows)
    assert rows[0].why[0].values["snr_db"] < rows[0].why[0].values["limit"] == 25  # the numbers behind the words
    assert rows[3].reasons[0].startswith("duration: 2.00 s")  # the API's line


def test_a_transcript_that_cannot_fit_the_clip_is_implausible(clean):
    samples, sr = clean
    wrong = SENTENCE + " " + SENTENCE + " And then everybody went home for a long dinner with friends and family."
    rows = screen([facts_of(samples, sr, text=wrong, clip_id=1), facts_of(samples, sr, text="", clip_id=2),
                   facts_of(samples, sr, text="Hello.", clip_id=3)])
    assert "implausible_text" in codes(rows[0])
    assert codes(rows[1]) == ["empty_text"]
    assert "implausible_text" in codes(rows[2])
    assert " words/s for " in next(line for line in rows[0].reasons if line.startswith("implausible_text"))


def test_a_voice_far_from_the_rest_is_an_outlier_and_forcing_keeps_its_reason():
    rng = np.random.default_rng(0)
    main = rng.standard_normal(64)
    other = rng.standard_normal(64)
    facts = [ClipFacts(clip_id=i, duration=5.0, text="", lang="en",
                       embedding=main + 0.25 * rng.standard_normal(64)) for i in range(8)]
    facts.append(ClipFacts(clip_id=99, duration=5.0, text="", lang="en", embedding=other))
    rows = screen(facts, ScreenLimits(), forced={99})
    flagged = [r for r in rows if "other_voice" in codes(r)]
    assert [r.clip_id for r in flagged] == [99]
    assert flagged[0].excluded is False and flagged[0].forced is True


def test_near_duplicates_keep_the_first_good_copy(clean):
    samples, sr = clean
    rows = screen([facts_of(samples, sr, clip_id=1), facts_of(samples * 0.9, sr, clip_id=2)])
    assert rows[0].excluded is False
    assert rows[1].reasons == ("duplicate: same as clip 1",) and rows[1].why[0].values == {"clip_id": 1}


def test_a_stored_row_reads_back_with_its_numbers_and_an_old_row_without_them(clean):
    samples, sr = clean
    row = screen([facts_of(samples[: int(2.0 * sr)], sr)])[0]
    assert ScreenRow.read(row.stored()) == row and ScreenRow.read(row.stored()).why[0].values["max"] == 10
    old = ScreenRow.read({"clip_id": 3, "excluded": True,
                          "reasons": ["noisy: speech 4 dB above the noise floor (< 25)"]})
    assert old.why[0].code == "noisy" and old.why[0].values == {} and old.reasons[0].startswith("noisy: speech 4 dB")


def test_screening_costs_well_under_100_ms_per_clip(clean):
    import time

    samples, sr = clean
    measure_audio(samples, sr)
    started = time.perf_counter()
    for _ in range(10):
        measure_audio(samples, sr)
    assert (time.perf_counter() - started) / 10 < 0.1


def heard(facts: ClipFacts, transcript: str) -> ClipFacts:
    """The facts once a recogniser read `transcript` in the clip (as facts.add_asr stores them)."""
    from ras.metrics.text_compare import compare_texts

    facts.asr = compare_texts(facts.text, transcript, facts.lang)
    facts.cer = facts.asr.error_rate
    return facts


def test_a_transcript_that_does_not_match_the_clip_is_an_asr_mismatch_named_by_what_is_off():
    text = "今天下午三点我们在学校门口集合然后一起坐车去博物馆参观新开的恐龙化石展览"
    clip = lambda i: ClipFacts(clip_id=i, duration=5.0 + i / 10, text=text, lang="zh", speech_span=5.0)  # noqa: E731
    rows = screen([heard(clip(1), text.replace("坐车去博物", "")),  # a phrase the clip does not say
                   heard(clip(2), "明日有雨" * 9 + "吗"),  # another sentence
                   heard(clip(3), text.replace("校", "笑").replace("车", "扯")),  # two words misheard
                   clip(4)])  # no recogniser heard it
    assert list(rows[0].reasons) == ["asr_mismatch: 5 wrong characters in a row (swallowed), CER 0.14"]
    assert list(rows[1].reasons) == ["asr_mismatch: CER 1.03 > 0.35 (wrong_words)"]
    assert rows[1].why[0].values == {"cer": 1.03, "limit": 0.35}  # the page's hover text reads them
    assert rows[2].reasons == () and rows[3].reasons == ()
