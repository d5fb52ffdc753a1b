"""The planted engine's checkpoints: quality follows the weights loaded, as the ground truth says.

Failure rates per GPT/SoVITS file hold over many takes, drift lowers RAS's speaker similarity,
the in-process engine and the api_v2 server record the weights and count switches, and the
weight files are named and listed like GPT-SoVITS's.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import soundfile

from gsv_integration.http_engine import HttpEngine
from gsv_integration.request import SynthesisRequest
from gsv_integration.weights import list_weights
from ras.metrics import analyze_audio
from ras.metrics.speaker import load_encoder
from tests.fixtures.audio import synthesize
from tests.fixtures.planted import start_planted_server
from tests.fixtures.planted_checkpoints import (
    DEFAULT_GPT,
    DEFAULT_SOVITS,
    DRIFTED,
    checkpoint_truth,
    default_checkpoint_set,
    write_checkpoints,
)
from tests.fixtures.planted_engine import (
    AXIS_KINDS,
    OUT_SR,
    Checkpoints,
    PlantedEngine,
    Profile,
    WeightProfile,
    file_sha256,
    plan_take,
    save_profiles,
    synthesize_planted,
)

REF_TEXT = "The old farmer walked slowly to the harbour on a cold winter morning."
TEXTS = ("Please send the report before noon on Friday.",
         "We walked along the river until the sun went down.",
         "Could you tell me where the station is tonight?")
REFERENCE = Profile(fail_rate=0.05)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    return synthesize(REF_TEXT, tmp_path_factory.mktemp("checkpoint_ref") / "ref.wav", voice="en+m3", speed=130)


@pytest.fixture(scope="module")
def checkpoint_set(tmp_path_factory):
    return default_checkpoint_set(tmp_path_factory.mktemp("checkpoints"))


def request_for(reference: Path, text: str = TEXTS[0], seed: int = 1, gpt: Path | str = "",
                sovits: Path | str = "") -> SynthesisRequest:
    return SynthesisRequest(text=text, text_lang="en", ref_audio_path=str(reference), prompt_text=REF_TEXT,
                            prompt_lang="en", seed=seed, gpt_weights=str(gpt), sovits_weights=str(sovits))


def within_binomial_band(observed: int, draws: int, rate: float, sds: float = 4.0) -> bool:
    sd = math.sqrt(max(rate * (1 - rate), 1e-9) / draws)
    return abs(observed / draws - rate) <= sds * sd + 1e-9


def test_weight_files_are_named_and_listed_like_gpt_sovits_and_the_best_pair_is_inside_the_grid(checkpoint_set):
    found = list_weights([checkpoint_set.root])
    assert not found["invalid"]
    assert [w["name"] for w in found["gpt"]] == [f"GPT_weights_v2/voice-e{e}.ckpt" for e in (5, 10, 15, 20, 30, 50)]
    assert [w["name"] for w in found["sovits"]] == [
        "SoVITS_weights_v2/voice_e4_s100.pth", "SoVITS_weights_v2/voice_e8_s200.pth",
        "SoVITS_weights_v2/voice_e16_s400.pth", "SoVITS_weights_v2/voice_e24_s600.pth"]
    assert {w["version"] for w in found["gpt"] + found["sovits"]} == {"v2"}
    truth = checkpoint_set.truth(REFERENCE)
    print("\n" + truth.table())
    assert (truth.best.gpt, truth.best.sovits) == ("voice-e15.ckpt", "voice_e8_s200.pth")
    gpt_names, sovits_names = list(truth.gpt), list(truth.sovits)
    assert 0 < gpt_names.index(truth.best.gpt) < len(gpt_names) - 1
    assert 0 < sovits_names.index(truth.best.sovits) < len(sovits_names) - 1
    # every pair of the earliest SoVITS drifts: its takes are another speaker, whatever their failures
    assert all(truth.pairs[(g, "voice_e4_s100.pth")].drifted for g in gpt_names)
    assert all(truth.pairs[(g, "voice_e4_s100.pth")].pass_rate == 0 for g in gpt_names)
    e50 = truth.pairs[("voice-e50.ckpt", "voice_e24_s600.pth")]
    spared = (1 - REFERENCE.fail_rate) * (1 - DEFAULT_GPT[50].fail_rate) * (1 - DEFAULT_SOVITS[24].fail_rate)
    assert e50.fail_rate == pytest.approx(1 - spared)
    # v3 weights go to GPT-SoVITS's v3 folders, read as v3 by the header
    v3 = write_checkpoints(checkpoint_set.root.parent / "v3", {1: WeightProfile()}, {1: WeightProfile()}, version="v3")
    assert [w["version"] for w in list_weights([v3.root])["sovits"]] == ["v3"]


def test_failure_rates_per_checkpoint_hold_over_many_takes(checkpoint_set):
    ref_hash = "ab" * 32
    profiles = {ref_hash: REFERENCE}
    truth = checkpoint_set.truth(REFERENCE)
    best_sovits = truth.best.sovits
    pairs = [(gpt, best_sovits) for gpt in truth.gpt] + [(truth.best.gpt, sovits) for sovits in truth.sovits]
    texts = [f"Probe sentence number {i} for the checkpoint." for i in range(40)]
    lines = []
    for gpt, sovits in pairs:
        plans = [plan_take(ref_hash, text, seed, profiles, checkpoint_set.checkpoints, gpt=gpt, sovits=sovits)
                 for text in texts for seed in range(50)]
        failed = [p for p in plans if p.planted]
        expected = truth.pairs[(gpt, sovits)].fail_rate
        causes = Counter(p.cause for p in failed)
        lines.append(f"{gpt:16} {sovits:20} expected {expected:.3f} "
                     f"observed {len(failed) / len(plans):.3f} {dict(causes)}")
        assert within_binomial_band(len(failed), len(plans), expected), lines[-1]
        gpt_profile = checkpoint_set.checkpoints.profile("gpt", gpt)
        # the GPT file's own draw fails at its rate among takes the reference's draw spared
        spared = [p for p in plans if p.cause != "reference"]
        assert within_binomial_band(causes["gpt"], len(spared), gpt_profile.fail_rate), lines[-1]
        assert {p.planted for p in failed if p.cause == "gpt"} <= set(gpt_profile.kinds or AXIS_KINDS["gpt"])
        assert {p.planted for p in failed if p.cause == "sovits"} <= set(AXIS_KINDS["sovits"])
        assert {p.drift for p in plans} == {truth.pairs[(gpt, sovits)].drift}
    print("\n" + "\n".join(lines))
    # each weights file draws on its own: another GPT file fails other takes, not a subset of the same ones
    first = {(p.text, p.seed) for p in (plan_take(ref_hash, t, s, profiles, checkpoint_set.checkpoints,
                                                  gpt="voice-e50.ckpt", sovits=best_sovits)
                                        for t in texts for s in range(50)) if p.cause == "gpt"}
    second = {(p.text, p.seed) for p in (plan_take(ref_hash, t, s, profiles, checkpoint_set.checkpoints,
                                                   gpt="voice-e30.ckpt", sovits=best_sovits)
                                         for t in texts for s in range(50)) if p.cause == "gpt"}
    assert first - second and second - first
    # unknown weights and no checkpoint profile leave the reference's own draws as they were
    for text in texts[:5]:
        for seed in range(10):
            plain = plan_take(ref_hash, text, seed, profiles)
            unknown = plan_take(ref_hash, text, seed, profiles, checkpoint_set.checkpoints,
                                gpt="other.ckpt", sovits="other.pth")
            assert unknown == replace(plain, gpt="other.ckpt", sovits="other.pth")


def test_drift_lowers_the_speaker_similarity_ras_measures(reference, tmp_path):
    weights = write_checkpoints(tmp_path / "weights", {15: WeightProfile()},
                                {2: WeightProfile(drift=DRIFTED), 4: WeightProfile(drift=0.3), 8: WeightProfile()})
    engine = PlantedEngine(save_profiles(tmp_path / "profiles.json", {"default": Profile()}),
                           checkpoints_path=weights.checkpoints_path)
    encoder = load_encoder()
    measured = {}
    for epoch, sovits in sorted(weights.sovits.items(), reverse=True):
        rows = []
        for seed, text in enumerate(TEXTS[:2]):
            out = tmp_path / f"e{epoch}_{seed}.wav"
            result = engine.synthesize(request_for(reference, text, seed, weights.gpt[15], sovits), str(out))
            report = analyze_audio(out, text, "en", ref_path=str(reference), speaker_encoder=encoder, dnsmos=False)
            rows.append((report["metrics"]["speaker_similarity"], report["flags"], result.duration))
        measured[engine.takes[-1]["drift"]] = rows
    print("\n" + "\n".join(f"drift {d:.2f}: {rows}" for d, rows in measured.items()))
    assert sorted(measured) == [0.0, 0.3, DRIFTED]
    means = [np.mean([sim for sim, _, _ in measured[d]]) for d in sorted(measured)]
    assert means[0] > means[1] + 0.05 and means[1] > means[2] + 0.05, means
    assert all(sim >= 0.85 and "voice_drift" not in flags for sim, flags, _ in measured[0.0])
    assert all("voice_drift" in flags for _, flags, _ in measured[DRIFTED])
    # the drift changes the voice, not the take's length (no rate flag from it)
    for clean, drifted in zip(measured[0.0], measured[DRIFTED]):
        assert abs(drifted[2] - clean[2]) <= 0.05 * clean[2]
        assert set(drifted[1]) == {"voice_drift"}


def test_in_process_engine_loads_weights_from_requests_and_records_them(reference, checkpoint_set, tmp_path):
    ref_hash = file_sha256(reference)
    profiles = {ref_hash: REFERENCE}
    engine = PlantedEngine(save_profiles(tmp_path / "profiles.json", profiles), weight_dirs=(str(checkpoint_set.root),),
                           checkpoints_path=checkpoint_set.checkpoints_path)
    engine.start()
    g15, g50 = checkpoint_set.gpt[15], checkpoint_set.gpt[50]
    s8, s4 = checkpoint_set.sovits[8], checkpoint_set.sovits[4]
    schedule = [(g15, s8), (g15, s8), ("", ""), (g50, s8), (g50, s4), (g15, s4)]  # "" keeps what is loaded
    loaded = []
    for seed, (gpt, sovits) in enumerate(schedule):
        result = engine.synthesize(request_for(reference, TEXTS[seed % 3], seed, gpt, sovits), str(tmp_path / "t.wav"))
        loaded.append((result.loaded_gpt, result.loaded_sovits))
    assert engine.weights_switches == 5  # g15, s8, g50, s4, g15
    assert loaded == [(True, True), (False, False), (False, False), (True, False), (False, True), (True, False)]
    assert [(t["gpt"], t["sovits"]) for t in engine.takes] == [
        (g15.name, s8.name), (g15.name, s8.name), (g15.name, s8.name), (g50.name, s8.name), (g50.name, s4.name),
        (g15.name, s4.name)]
    for seed, record in enumerate(engine.takes):
        plan = plan_take(ref_hash, TEXTS[seed % 3], seed, profiles, checkpoint_set.checkpoints,
                         gpt=record["gpt"], sovits=record["sovits"])
        # the truth recomputes from the take's inputs (the log also names the reference it was given)
        assert {k: v for k, v in record.items() if k != "ref_audio_path"} == plan.record(record["out_seconds"])
    assert [t["drift"] for t in engine.takes][-2:] == [DEFAULT_SOVITS[4].drift] * 2
    # a GPT file that always fails plants its kind into the audio
    always = Checkpoints(gpt={"always.ckpt": WeightProfile(fail_rate=1.0, kinds=("repeat",))})
    clean, _ = synthesize_planted(request_for(reference), tmp_path / "clean.wav", {"default": Profile()})
    repeat, plan = synthesize_planted(request_for(reference), tmp_path / "repeat.wav", {"default": Profile()},
                                      always, gpt="always.ckpt")
    assert (plan.planted, plan.cause) == ("repeat", "gpt")
    assert repeat.duration >= clean.duration + 1.5
    samples, sr = soundfile.read(str(tmp_path / "repeat.wav"), dtype="float32")
    assert sr == OUT_SR and len(samples) == repeat.num_samples


def test_api_server_makes_takes_with_the_weights_it_loaded_and_counts_switches(reference, checkpoint_set, tmp_path):
    ref_hash = file_sha256(reference)
    profiles = {ref_hash: REFERENCE}
    server = start_planted_server(tmp_path, profiles, checkpoints=checkpoint_set.checkpoints)
    try:
        assert server.state() == {"weights": {"gpt": "", "sovits": ""}, "weights_switches": 0,
                                  "switches": {"gpt": 0, "sovits": 0}, "takes": 0}
        engine = HttpEngine(server.url)
        g15, g50 = checkpoint_set.gpt[15], checkpoint_set.gpt[50]
        s8, s24 = checkpoint_set.sovits[8], checkpoint_set.sovits[24]
        schedule = [("", ""), (g15, s8), (g15, s8), (g50, s8), (g50, s24), (g15, s24)]
        for seed, (gpt, sovits) in enumerate(schedule):
            engine.synthesize(request_for(reference, TEXTS[seed % 3], seed, gpt, sovits), str(tmp_path / "t.wav"))
        state = server.state()
        assert state["weights"] == {"gpt": str(g15), "sovits": str(s24)}
        assert state["switches"] == {"gpt": 3, "sovits": 2} and server.weights_switches() == 5
        assert state["takes"] == len(schedule)
        takes = server.takes()
        assert [(t["gpt"], t["sovits"]) for t in takes] == [("", "")] + [
            (Path(g).name, Path(s).name) for g, s in schedule[1:]]
        for seed, record in enumerate(takes):
            plan = plan_take(ref_hash, TEXTS[seed % 3], seed, profiles, checkpoint_set.checkpoints,
                             gpt=record["gpt"], sovits=record["sovits"])
            assert {k: v for k, v in record.items() if k != "ref_audio_path"} == plan.record(record["out_seconds"])
    finally:
        server.kill()


def test_checkpoint_truth_combines_the_reference_as_independent_draws():
    checkpoints = Checkpoints(gpt={"g.ckpt": WeightProfile(fail_rate=0.2, drift=0.5)},
                              sovits={"s.pth": WeightProfile(fail_rate=0.1, drift=0.5), "default": WeightProfile()})
    truth = checkpoint_truth(checkpoints, ["g.ckpt"], ["s.pth", "other.pth"], Profile(fail_rate=0.5))
    pair = truth.pairs[("g.ckpt", "s.pth")]
    assert pair.fail_rate == pytest.approx(1 - 0.5 * 0.8 * 0.9) and pair.drift == pytest.approx(0.75)
    assert pair.drifted and pair.pass_rate == 0
    other = truth.pairs[("g.ckpt", "other.pth")]
    assert other.fail_rate == pytest.approx(0.6) and not other.drifted and other.pass_rate == pytest.approx(0.4)
    assert truth.best == other
