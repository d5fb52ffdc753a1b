"""The planted engine's emotions: a take speaks with its main reference's emotion, aux refs set its timbre.

Takes of the emotion role differ in pitch and rate by emotion, speaker similarity between two
emotions' takes rises when they share a timbre set of aux refs (not on v3 weights, which ignore
them), and the role's .list files carry the emotion tags in GPT-SoVITS users' three styles.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import soundfile

from gsv_integration.request import SynthesisRequest
from ras.library import importer, roles
from ras.library.listfile import parse_list, read_list_text
from ras.metrics.signal import clipping_ratio
from ras.metrics.speaker import load_encoder
from ras.store.workspace import Workspace
from tests.fixtures.audio import read_wav
from tests.fixtures.emotion_role import DEFAULT_EMOTIONS, EMOTION_STYLES, build_emotion_role
from tests.fixtures.planted_checkpoints import write_checkpoints
from tests.fixtures.planted_engine import OUT_SR, PlantedEngine, WeightProfile, save_profiles, speech_bounds

TEXTS = ("Please send the report before noon on Friday.", "We walked along the river until the sun went down.")


@pytest.fixture(scope="module")
def role(tmp_path_factory):
    return build_emotion_role(tmp_path_factory.mktemp("emotion_role"))


@pytest.fixture(scope="module")
def takes(role, tmp_path_factory):
    """{(emotion, with timbre set): [(samples, record)]}: one take per text, main reference a good clip."""
    folder = tmp_path_factory.mktemp("emotion_takes")
    # only the emotion is measured here: the clips' takes carry no planted failure
    profiles = {sha: replace(profile, fail_rate=0.0) for sha, profile in role.profiles.items()}
    engine = PlantedEngine(save_profiles(folder / "profiles.json", profiles))
    timbre_set = [str(path) for path in role.timbre_set()]
    made = {}
    for emotion in DEFAULT_EMOTIONS:
        reference = role.of(emotion, "good")[-1]  # not one of the timbre set
        for shared_timbre in (False, True):
            rows = []
            for seed, text in enumerate(TEXTS):
                out = folder / f"{emotion}_{shared_timbre}_{seed}.wav"
                engine.synthesize(SynthesisRequest(
                    text=text, text_lang="en", ref_audio_path=str(reference.path), prompt_text=reference.transcript,
                    prompt_lang="en", seed=seed, aux_ref_audio_paths=timbre_set if shared_timbre else []), str(out))
                rows.append((soundfile.read(str(out), dtype="float32")[0], engine.takes[-1]))
            made[(emotion, shared_timbre)] = rows
    return made


def median_f0(samples: np.ndarray, frame: int = 2048, hop: int = 512) -> float:
    """Median pitch of the loud frames, from each frame's autocorrelation peak between 60 and 400 Hz.

    numpy only: it keeps a JIT compiler out of the test process (the one crash of the test process in CI
    came at this test, the only one that ran librosa's numba-compiled pitch tracker in it)."""
    shortest, longest = OUT_SR // 400, OUT_SR // 60
    frames = np.lib.stride_tricks.sliding_window_view(samples, frame)[::hop]
    loud = frames[np.sqrt(np.mean(frames ** 2, axis=1)) > 0.1 * np.sqrt(np.mean(frames ** 2, axis=1)).max()]
    centred = loud - loud.mean(axis=1, keepdims=True)
    spectrum = np.fft.rfft(centred, 2 * frame, axis=1)
    correlation = np.fft.irfft(spectrum * np.conj(spectrum), axis=1)[:, :frame]
    lags = shortest + np.argmax(correlation[:, shortest:longest], axis=1)
    return float(np.median(OUT_SR / lags))


def speech_seconds(samples: np.ndarray) -> float:
    start, end = speech_bounds(samples)
    return (end - start) / OUT_SR


def test_the_role_holds_each_emotion_with_mixed_quality_and_its_own_sentences(role):
    assert len(role.clips) == 30 and len(set(role.truth)) == 30  # one sentence per clip
    for emotion in DEFAULT_EMOTIONS:
        kinds = [c.kind for c in role.of(emotion)]
        assert len(kinds) == 10 and kinds.count("good") == 6 and kinds.count("flaky") == 2
        assert 1 <= sum(k not in ("good", "flaky") for k in kinds) <= 2
        assert {role.profiles[c.sha256].emotion for c in role.of(emotion)} == {emotion}
        assert all(3.0 < soundfile.info(str(c.path)).duration < 10.0 for c in role.of(emotion))
    assert {c.path for c in role.of("neutral", "good")} >= set(role.timbre_set())


def test_angry_clips_are_louder_and_faster_without_clipping(tmp_path):
    pair = build_emotion_role(tmp_path, ("neutral", "angry"), kinds={"neutral": ("good",), "angry": ("good",)})
    (neutral, _), (angry, _) = (read_wav(c.path) for c in pair.clips)
    level = {name: round(float(20 * np.log10(np.sqrt(np.mean(samples ** 2)))), 1)
             for name, samples in (("neutral", neutral), ("angry", angry))}
    print(f"\nspeech level dB: {level}")
    assert level["angry"] > level["neutral"] + 4
    assert clipping_ratio(angry) <= 0.0005  # loud, not clipped: screening keeps the clip
    assert speech_seconds(angry) < 0.95 * speech_seconds(neutral) * len(pair.clips[1].transcript) / len(
        pair.clips[0].transcript)


def test_takes_speak_with_their_main_references_emotion(takes):
    pitch = {e: np.mean([median_f0(s) for s, _ in takes[(e, False)]]) for e in DEFAULT_EMOTIONS}
    length = {e: [speech_seconds(s) for s, _ in takes[(e, False)]] for e in DEFAULT_EMOTIONS}
    print(f"\nmedian F0 (Hz): { {e: round(v, 1) for e, v in pitch.items()} }")
    print(f"speech seconds per text: { {e: [round(x, 2) for x in v] for e, v in length.items()} }")
    assert pitch["happy"] > 1.08 * pitch["neutral"] and pitch["neutral"] > 1.08 * pitch["sad"]
    for i in range(len(TEXTS)):  # the same text: happy is faster, sad slower
        assert length["happy"][i] < 0.9 * length["neutral"][i] and length["sad"][i] > 1.1 * length["neutral"][i]
    for (emotion, shared_timbre), rows in takes.items():
        for _, record in rows:
            assert record["emotion"] == emotion and record["planted"] is None
            assert (len(record["aux_sha256"]) == 3) == shared_timbre
    # the timbre set changes the voice, not the emotion: the same pitch draws with and without it
    for emotion in DEFAULT_EMOTIONS:
        assert [r["pitch"] for _, r in takes[(emotion, True)]] == [r["pitch"] for _, r in takes[(emotion, False)]]
        assert [r["voice"] for _, r in takes[(emotion, True)]] == ["en+m3"] * len(TEXTS)
        assert [r["voice"] for _, r in takes[(emotion, False)]] == [EMOTION_STYLES[emotion].voice] * len(TEXTS)


def test_a_shared_timbre_set_makes_different_emotions_sound_like_one_speaker(takes):
    encoder = load_encoder()
    embedded = {key: np.array([encoder.embed(s, OUT_SR) for s, _ in rows]) for key, rows in takes.items()}
    similarity = {}
    for shared_timbre in (False, True):
        for a, b in itertools.combinations(DEFAULT_EMOTIONS, 2):
            pairs = embedded[(a, shared_timbre)] @ embedded[(b, shared_timbre)].T
            similarity[(a, b, shared_timbre)] = float(pairs.mean())
    print("\n" + "\n".join(f"{a}-{b} {'with' if shared else 'without'} timbre set: {v:.3f}"
                           for (a, b, shared), v in similarity.items()))
    for a, b in itertools.combinations(DEFAULT_EMOTIONS, 2):
        assert similarity[(a, b, True)] > similarity[(a, b, False)] + 0.05, (a, b)
    mean_with = np.mean([v for (_, _, shared), v in similarity.items() if shared])
    mean_without = np.mean([v for (_, _, shared), v in similarity.items() if not shared])
    assert mean_with > mean_without + 0.08


def test_v3_weights_ignore_the_timbre_set(role, tmp_path):
    weights = write_checkpoints(tmp_path / "weights", {1: WeightProfile()}, {1: WeightProfile()}, version="v3")
    engine = PlantedEngine(save_profiles(tmp_path / "profiles.json", role.profiles))
    happy = role.of("happy", "good")[0]
    request = SynthesisRequest(text=TEXTS[0], text_lang="en", ref_audio_path=str(happy.path),
                               prompt_text=happy.transcript, prompt_lang="en", seed=1,
                               aux_ref_audio_paths=[str(p) for p in role.timbre_set()] + [str(tmp_path / "gone.wav")],
                               gpt_weights=str(weights.gpt[1]), sovits_weights=str(weights.sovits[1]))
    engine.synthesize(request, str(tmp_path / "v3.wav"))
    assert engine.takes[-1]["aux_used"] is False and engine.takes[-1]["aux_sha256"] == []
    assert engine.takes[-1]["voice"] == EMOTION_STYLES["happy"].voice
    request.sovits_weights = ""  # a fresh engine without v3 weights: the timbre set counts, the missing file not
    fresh = PlantedEngine(save_profiles(tmp_path / "profiles.json", role.profiles))
    fresh.synthesize(request, str(tmp_path / "v2.wav"))
    assert fresh.takes[-1]["aux_used"] is True and len(fresh.takes[-1]["aux_sha256"]) == 3
    assert fresh.takes[-1]["voice"] == EMOTION_STYLES["neutral"].voice


ZH_TO_EMOTION = {style.tag_zh: emotion for emotion, style in EMOTION_STYLES.items()}


def emotion_tag(style: str, audio: Path) -> str | None:
    """The emotion a list style's naming gives a clip (None: none in that form)."""
    if style == "folders":
        return ZH_TO_EMOTION.get(audio.parent.name)
    if style == "tag_zh":
        found = re.match(r"【([^】]+)】\S", audio.name)
        return ZH_TO_EMOTION.get(found[1]) if found else None
    if style == "tag_en":
        found = re.match(r"\[([a-z]+)\] \S", audio.name)
        return found[1] if found else None
    return None


def test_the_role_lists_carry_emotion_tags_in_three_naming_styles(role, tmp_path):
    by_transcript = {c.transcript: c for c in role.clips}
    assert set(role.lists) == {"untagged", "tag_zh", "tag_en", "folders"}
    for style, list_path in role.lists.items():
        entries, errors = parse_list(read_list_text(list_path))
        assert not errors and len(entries) == 30, (style, errors)
        for entry in entries:
            clip = by_transcript[entry.text]
            audio = Path(entry.audio)
            assert audio.read_bytes() == clip.path.read_bytes()  # the same clip whichever list is imported
            if style == "untagged":
                assert all(emotion_tag(form, audio) is None for form in ("folders", "tag_zh", "tag_en"))
            else:
                assert emotion_tag(style, audio) == clip.emotion == role.truth[entry.text][0], (style, audio)
    # RAS imports a tagged list as it is (full-width brackets, spaces and Chinese folder names in paths)
    ws = Workspace(tmp_path / "roles")
    name = roles.create_role(ws=ws, category="情感", name="测试")
    for style in ("tag_zh", "tag_en", "folders"):
        report = importer.import_list(ws=ws, role=name, list_path=role.lists[style])
        assert not report.errors, report.as_dict()
        assert report.imported + report.duplicates == 30
