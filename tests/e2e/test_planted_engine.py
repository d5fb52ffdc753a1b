"""The planted test engine: its failure rates hold, its failures are really in the audio, RAS drives it."""
from __future__ import annotations

import resource
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import soundfile

from gsv_integration.engine import Engine, EngineError, SynthesisInputError
from gsv_integration.http_engine import HttpEngine
from gsv_integration.request import SynthesisRequest
from gsv_integration.weights import list_weights
from ras.metrics import analyze_audio
from tests.fixtures.app import role_with_references, wait_for
from tests.fixtures.gsv import REF_TEXT, make_ref_wav
from tests.fixtures.planted import launch_planted_app, planted_weights_dir, start_planted_server
from tests.fixtures.planted_engine import (
    OUT_SR,
    PLANT_KINDS,
    PlantedEngine,
    Profile,
    file_sha256,
    planted_kind,
    save_profiles,
    synthesize_planted,
)

TEXTS = ("The weather today is calm and the lake is very quiet.",
         "Please send the report before noon on Friday.",
         "We walked along the river until the sun went down.",
         "Could you tell me where the station is tonight?")
FRAME = int(0.02 * OUT_SR)
# Minimum share of planted takes RAS's metrics flag (without ASR), per kind; text_leak
# changes only the speaking rate there, so it is measured and printed, not relied on.
RELIABLE_DETECTION = {"repeat": 0.75, "long_pause": 0.75, "swallowed_end": 0.75, "buzz": 0.75}


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    return make_ref_wav(tmp_path_factory.mktemp("planted_ref") / "ref.wav", REF_TEXT)


def request_for(reference: Path, text: str = TEXTS[0], seed: int = 1) -> SynthesisRequest:
    return SynthesisRequest(text=text, text_lang="en", ref_audio_path=str(reference),
                            prompt_text=REF_TEXT, prompt_lang="en", seed=seed)


def take(reference: Path, out: Path, kind: str | None, text: str = TEXTS[0], seed: int = 1) -> np.ndarray:
    profile = Profile(fail_rate=1.0, kinds=(kind,)) if kind else Profile()
    _, plan = synthesize_planted(request_for(reference, text, seed), out, {"default": profile})
    assert plan.planted == kind
    samples, sr = soundfile.read(str(out), dtype="float32")
    assert sr == OUT_SR and samples.ndim == 1
    return samples


def frame_rms(samples: np.ndarray) -> np.ndarray:
    usable = len(samples) // FRAME * FRAME
    return np.sqrt((samples[:usable].reshape(-1, FRAME) ** 2).mean(axis=1) + 1e-12)


def longest_silence(samples: np.ndarray) -> float:
    quiet = frame_rms(samples) < frame_rms(samples).max() * 10 ** (-45 / 20)
    longest = run = 0
    for is_quiet in quiet:
        run = run + 1 if is_quiet else 0
        longest = max(longest, run)
    return longest * FRAME / OUT_SR


def longest_stationary_loud(samples: np.ndarray) -> float:
    """Longest run of loud frames whose spectra stay the same (a held tone), in seconds."""
    usable = len(samples) // FRAME * FRAME
    spectra = np.abs(np.fft.rfft(samples[:usable].reshape(-1, FRAME) * np.hanning(FRAME), axis=1))
    spectra /= np.linalg.norm(spectra, axis=1, keepdims=True) + 1e-12
    same = (spectra[1:] * spectra[:-1]).sum(axis=1) > 0.98
    loud = frame_rms(samples)[1:] > 0.2
    longest = run = 0
    for steady in same & loud:
        run = run + 1 if steady else 0
        longest = max(longest, run)
    return longest * FRAME / OUT_SR


def repeat_strength(samples: np.ndarray) -> float:
    """Largest normalized autocorrelation at lags 0.8-1.5 s: a looped stretch stands out."""
    spectrum = np.fft.rfft(samples, n=2 * len(samples))
    auto = np.fft.irfft(spectrum * np.conj(spectrum))[:len(samples)]
    low, high = int(0.8 * OUT_SR), min(int(1.5 * OUT_SR) + 1, len(samples) - 1)
    return float(auto[low:high].max() / auto[0])


def test_planted_share_stays_in_a_binomial_band(reference):
    ref_hash = file_sha256(reference)
    half = Profile(fail_rate=0.5)
    decisions = [planted_kind(half, ref_hash, text, seed) for text in TEXTS for seed in range(15)]
    planted = sum(kind is not None for kind in decisions)
    # 60 draws at p = 0.5: mean 30, sd 3.9; +-3 sd
    assert 18 <= planted <= 42, planted
    assert set(decisions) - {None} <= set(PLANT_KINDS) and len(set(decisions) - {None}) >= 3
    assert not any(planted_kind(Profile(), ref_hash, t, s) for t in TEXTS for s in range(10))
    assert all(planted_kind(Profile(fail_rate=1.0), ref_hash, t, s) for t in TEXTS for s in range(10))
    # seed -1 draws anew each time, like GPT-SoVITS
    assert len({planted_kind(half, ref_hash, TEXTS[0], -1) for _ in range(40)}) > 1
    # another reference draws independently: not the same decisions
    other = [planted_kind(half, "0" * 64, text, seed) for text in TEXTS for seed in range(15)]
    assert other != decisions


def test_same_seed_gives_same_decision_and_same_bytes(reference, tmp_path):
    profiles = {"default": Profile(fail_rate=0.5)}
    outputs = {}
    for name, seed in (("a", 5), ("b", 5), *((f"s{s}", s) for s in range(6))):
        _, plan = synthesize_planted(request_for(reference, seed=seed), tmp_path / f"{name}.wav", profiles)
        outputs[name] = (plan.planted, (tmp_path / f"{name}.wav").read_bytes())
    assert outputs["a"] == outputs["b"]
    assert outputs["a"][0] == planted_kind(profiles["default"], file_sha256(reference), TEXTS[0], 5)
    assert len({data for name, (_, data) in outputs.items() if name.startswith("s")}) >= 4


def test_profile_follows_the_reference_bytes_not_its_name(reference, tmp_path):
    copy = Path(shutil.copy(reference, tmp_path / "0123abcd.wav"))
    profiles = {file_sha256(reference): Profile(fail_rate=1.0, kinds=("buzz",)), "default": Profile()}
    _, plan = synthesize_planted(request_for(copy), tmp_path / "out.wav", profiles)
    assert plan.planted == "buzz"
    other = make_ref_wav(tmp_path / "other.wav", "Another voice reads a different sentence here.")
    assert synthesize_planted(request_for(other), tmp_path / "out2.wav", profiles)[1].planted is None


def test_each_kind_is_really_in_the_audio(reference, tmp_path):
    clean = take(reference, tmp_path / "clean.wav", None)
    clean_s = len(clean) / OUT_SR
    assert longest_silence(clean) < 1.0 and longest_stationary_loud(clean) < 0.3
    assert repeat_strength(clean) < 0.1
    repeat = take(reference, tmp_path / "repeat.wav", "repeat")
    assert clean_s + 1.5 <= len(repeat) / OUT_SR <= clean_s + 3.1
    assert repeat_strength(repeat) > 0.2
    pause = take(reference, tmp_path / "pause.wav", "long_pause")
    assert longest_silence(pause) >= 2.0
    swallowed = take(reference, tmp_path / "swallowed.wav", "swallowed_end")
    assert len(swallowed) / OUT_SR <= 0.8 * clean_s
    tail, peak = frame_rms(swallowed)[-3:].max(), frame_rms(swallowed).max()
    assert tail > peak * 10 ** (-25 / 20), "a swallowed take stops mid-sound"
    leak = take(reference, tmp_path / "leak.wav", "text_leak")
    assert len(leak) / OUT_SR >= clean_s + 2.5  # the reference's 11-word transcript comes first
    buzz = take(reference, tmp_path / "buzz.wav", "buzz")
    assert longest_stationary_loud(buzz) >= 0.9


def test_a_planted_take_costs_little_cpu(reference, tmp_path):
    def cpu_seconds() -> float:  # this process and its espeak-ng children
        return sum(r.ru_utime + r.ru_stime for r in (resource.getrusage(resource.RUSAGE_SELF),
                                                      resource.getrusage(resource.RUSAGE_CHILDREN)))

    started = cpu_seconds()
    for seed in range(10):
        synthesize_planted(request_for(reference, seed=seed), tmp_path / "t.wav", {"default": Profile(0.5)})
    per_take = (cpu_seconds() - started) / 10
    print(f"planted take CPU: {per_take * 1000:.1f} ms")
    assert per_take < 0.15


def test_ras_metrics_flag_planted_takes_and_pass_clean_ones(reference, tmp_path):
    detected: dict[str, Counter] = {}
    for kind in (*PLANT_KINDS, None):
        counts = Counter()
        for text in TEXTS:
            for seed in (1, 2):
                out = tmp_path / "take.wav"
                take(reference, out, kind, text, seed)
                counts[bool(analyze_audio(out, text, "en", dnsmos=False)["flags"])] += 1
        detected[kind or "clean"] = counts
    print("\nkind           flagged by RAS metrics (no ASR, no DNSMOS)")
    for kind, counts in detected.items():
        print(f"{kind:14} {counts[True]}/{sum(counts.values())}")
    for kind, share in RELIABLE_DETECTION.items():
        assert detected[kind][True] >= share * sum(detected[kind].values()), (kind, detected[kind])
    assert detected["clean"][True] <= 1, detected["clean"]


def test_in_process_engine_keeps_the_protocol_and_the_ground_truth(reference, tmp_path):
    always_pause = Profile(fail_rate=1.0, kinds=("long_pause",))
    profiles_path = save_profiles(tmp_path / "profiles.json", {"default": always_pause})
    engine = PlantedEngine(profiles_path, name="planted-1", weight_dirs=(str(planted_weights_dir(tmp_path)),))
    assert isinstance(engine, Engine)
    engine.start()
    weights = engine.list_weights()
    assert len(weights["gpt"]) == 2 and len(weights["sovits"]) == 2 and not weights["invalid"]
    assert {w["version"] for w in weights["sovits"]} == {"v2"}
    request = request_for(reference)
    request.gpt_weights, request.sovits_weights = weights["gpt"][0]["file"], weights["sovits"][1]["file"]
    result = engine.synthesize(request, str(tmp_path / "a.wav"))
    assert result.engine == "planted-1" and result.sample_rate == OUT_SR and result.duration > 3
    assert engine.takes[-1]["planted"] == "long_pause"
    save_profiles(profiles_path, {"default": Profile()})  # a changed file takes effect
    engine.synthesize(request_for(reference, seed=2), str(tmp_path / "b.wav"))
    assert engine.takes[-1]["planted"] is None
    request.sovits_weights = str(tmp_path / "missing.pth")
    with pytest.raises(SynthesisInputError, match="missing.pth"):
        engine.synthesize(request, str(tmp_path / "c.wav"))


def test_http_server_records_takes_and_refuses_bad_references(reference, tmp_path):
    server = start_planted_server(tmp_path, {file_sha256(reference): Profile(fail_rate=0.5)})
    try:
        engine = HttpEngine(server.url)
        weights = list_weights([planted_weights_dir(tmp_path)])
        for seed in range(4):
            request = request_for(reference, seed=seed)
            request.gpt_weights, request.sovits_weights = weights["gpt"][0]["file"], weights["sovits"][0]["file"]
            result = engine.synthesize(request, str(tmp_path / f"{seed}.wav"))
            assert result.sample_rate == OUT_SR
        takes = server.takes()
        assert [t["seed"] for t in takes] == [0, 1, 2, 3]
        assert [t["planted"] for t in takes] == [
            planted_kind(Profile(fail_rate=0.5), file_sha256(reference), TEXTS[0], s) for s in range(4)]
        short = make_ref_wav(tmp_path / "short.wav", "Too short.")
        with pytest.raises(SynthesisInputError, match="3~10"):
            engine.synthesize(request_for(short), str(tmp_path / "x.wav"))
        request = request_for(reference)
        request.gpt_weights = str(tmp_path / "nowhere.ckpt")
        with pytest.raises(SynthesisInputError, match="nowhere.ckpt"):
            engine.synthesize(request, str(tmp_path / "y.wav"))
        server.restart()
        assert engine.synthesize(request_for(reference, seed=9), str(tmp_path / "z.wav")).duration > 1
    finally:
        server.kill()


def test_garbage_answer_is_an_engine_error_not_a_crash(reference, tmp_path):
    server = start_planted_server(tmp_path, {"default": Profile()}, mode="garbage")
    try:
        engine = HttpEngine(server.url)
        with pytest.raises(EngineError, match="not a wav file"):
            engine.synthesize(request_for(reference), str(tmp_path / "g.wav"))
        assert server.process.poll() is None and len(server.takes()) == 1
    finally:
        server.kill()


@pytest.mark.slow
def test_app_runs_a_task_on_a_planted_server_and_scores_the_takes(tmp_path):
    server = start_planted_server(tmp_path, {"default": Profile(fail_rate=0.5)})
    app = launch_planted_app(tmp_path, [server])
    try:
        client = app.client()
        role, clip_ids = role_with_references(client, tmp_path, "种植", "测试", voices=(("en+m3", REF_TEXT),))
        models = client.predict(api_name="/list_models")
        assert len(models["gpt"]) == 2 and len(models["sovits"]) == 2
        text_id = client.predict(TEXTS[1], "en", "", api_name="/add_text")["id"]
        spec = {"clip_ids": clip_ids, "text_ids": [text_id], "vary": {"seed": [1, 2, 3, 4]},
                "base": {"gpt": models["gpt"][0]["name"], "sovits": models["sovits"][0]["name"]}}
        task_id = client.predict(role, spec, api_name="/create_task")["task_id"]
        client.predict(role, task_id, api_name="/run_task")
        wait_for(lambda: (s := client.predict(role, task_id, api_name="/task_status"))["done"] + s["failed"] == 4,
                 timeout=120, what="four planted takes")

        def scored():
            found = client.predict(role, task_id, "id", 1, 50, api_name="/list_results")["results"]
            return found if len(found) == 4 and all(r.get("auto_score") is not None for r in found) else None

        results = wait_for(scored, timeout=120, what="metrics of the four takes")
        truth = {t["seed"]: t["planted"] for t in server.takes()}
        assert sorted(truth) == [1, 2, 3, 4]
        print({r["params"]["seed"]: (truth[r["params"]["seed"]], r["auto_score"], r["flags"]) for r in results})
        for result in results:
            assert result["metrics"]["duration"] > 0.5
            if truth[result["params"]["seed"]] in RELIABLE_DETECTION:
                assert result["flags"], result
        clean = [r["auto_score"] for r in results if truth[r["params"]["seed"]] is None]
        flagged = [r["auto_score"] for r in results if truth[r["params"]["seed"]] in RELIABLE_DETECTION]
        assert clean and flagged, truth  # seeds 1-4 at 0.5 plant some and spare some
        assert min(clean) > max(flagged)
    finally:
        app.stop()
        server.kill()
