import json

import numpy as np
import pytest

from ras.metrics import analyze_audio
from tests.fixtures.audio import read_wav, write_wav

TEXT = "Fresh coffee and warm toast make a simple but happy breakfast."


class ResemblyzerAdapter:
    """The ras.metrics.speaker encoder interface (.name, .embed(samples, sr) -> unit vector) over resemblyzer."""

    name = "resemblyzer"

    def __init__(self):
        from resemblyzer import VoiceEncoder

        self.encoder = VoiceEncoder("cpu", verbose=False)

    def embed(self, samples, sample_rate):
        from resemblyzer import preprocess_wav

        return self.encoder.embed_utterance(preprocess_wav(np.asarray(samples, np.float32), source_sr=sample_rate))


@pytest.fixture(scope="module")
def speaker_encoder():
    try:
        from ras.metrics.speaker import load_encoder
    except ImportError:
        return ResemblyzerAdapter()
    return load_encoder()


def test_clean_speech_scores_high_with_every_metric_or_a_reason(espeak_wav):
    result = analyze_audio(espeak_wav(TEXT, voice="en+m3"), TEXT, "en")
    json.dumps(result)  # stored in the DB and returned by the API as is
    m = result["metrics"]
    assert result["auto_score"] >= 85 and result["flags"] == []
    assert m["text_units"] == 11 and m["rate_unit"] == "words"
    assert 1.5 < m["chars_per_second"] < 3.7
    assert {"dnsmos_ovrl", "dnsmos_bak", "dnsmos_sig", "clipping_ratio", "repeat_seconds"} <= set(m)
    assert set(result["missing"]) == {"speaker_similarity", "asr_text", "cer", "prompt_leak"}
    assert not set(result["missing"]) & set(m)


def test_planted_pause_and_clipping_are_flagged(espeak_wav, tmp_path):
    samples, sr = read_wav(espeak_wav(TEXT, voice="en+f2"))
    gap = np.zeros(int(1.8 * sr), np.float32)
    broken = np.concatenate([samples[: sr], gap, samples[sr:]]) * 6
    result = analyze_audio(write_wav(tmp_path / "broken.wav", broken, sr), TEXT, "en")
    assert {"long_pause", "clipped"} <= set(result["flags"])
    assert result["auto_score"] < 50


def test_silent_and_near_silent_takes_sink_to_the_bottom(espeak_wav, tmp_path):
    """GPT-SoVITS sometimes returns silence or a whisper-quiet take: neither may look like a good take."""
    samples, sr = read_wav(espeak_wav(TEXT, voice="en+m3"))
    normal = analyze_audio(write_wav(tmp_path / "normal.wav", samples, sr), TEXT, "en")
    quiet = analyze_audio(write_wav(tmp_path / "quiet.wav", samples * 0.003, sr), TEXT, "en")
    silent = analyze_audio(write_wav(tmp_path / "silent.wav", np.zeros(3 * sr, np.float32), sr), TEXT, "en")
    empty = analyze_audio(write_wav(tmp_path / "empty.wav", np.zeros(0, np.float32), sr), TEXT, "en")
    assert "too_quiet" in quiet["flags"] and quiet["auto_score"] < normal["auto_score"] - 30
    for take in (silent, empty):
        assert "no_speech" in take["flags"] and take["auto_score"] == 0


def test_breaths_are_flagged_as_breaths_not_as_a_repeat(espeak_wav, tmp_path):
    """Two in-breaths sound alike; the take must read "breath", not "repeat", and rank below the clean one."""
    from tests.ras.metrics.defects import speech_bounds, speech_rms

    samples, sr = read_wav(espeak_wav(TEXT, voice="en+m3"))
    rng = np.random.default_rng(3)
    n = int(0.5 * sr)
    air = np.convolve(rng.standard_normal(n), np.ones(4) / 4, mode="same") * np.sin(np.linspace(0, np.pi, n)) ** 1.5
    air = (air / np.sqrt(np.mean(air ** 2)) * speech_rms(samples, sr) * 0.1).astype(np.float32)  # -20 dB
    start, stop = speech_bounds(samples, sr)
    middle, gap = (start + stop) // 2, np.zeros(int(0.15 * sr), np.float32)
    breathy = np.concatenate([samples[:start], air, gap, samples[start:middle], gap, air, gap, samples[middle:]])
    clean = analyze_audio(write_wav(tmp_path / "clean.wav", samples, sr), TEXT, "en")
    result = analyze_audio(write_wav(tmp_path / "breathy.wav", breathy, sr), TEXT, "en")
    assert "breath" in result["flags"] and "repeat" not in result["flags"]
    assert "breath" not in clean["flags"] and result["auto_score"] < clean["auto_score"] - 10


def test_text_without_units_leaves_the_rate_missing(speech_wav):
    result = analyze_audio(speech_wav, "……", "zh")
    assert "chars_per_second" not in result["metrics"]
    assert "no countable" in result["missing"]["chars_per_second"]


def test_bad_weights_fail_before_work(speech_wav):
    with pytest.raises(ValueError):
        analyze_audio(speech_wav, TEXT, "en", weights={"nonsense": 1})


def test_speaker_similarity_prefers_the_same_voice(espeak_wav, speaker_encoder):
    take = espeak_wav(TEXT, voice="en+f2")
    same = espeak_wav("Soft rain tapped against the glass as she wrote her letter.", voice="en+f2")
    other = espeak_wav("Soft rain tapped against the glass as she wrote her letter.", voice="en-us+m7")
    sim_same = analyze_audio(take, TEXT, "en", ref_path=same, speaker_encoder=speaker_encoder)
    sim_other = analyze_audio(take, TEXT, "en", ref_path=other, speaker_encoder=speaker_encoder)
    assert sim_same["metrics"]["speaker_similarity"] > sim_other["metrics"]["speaker_similarity"] + 0.05


def test_replacing_the_reference_file_changes_the_similarity(espeak_wav, speaker_encoder, tmp_path):
    """Reference embeddings are reused between results, but never for a file that changed."""
    take = espeak_wav(TEXT, voice="en+f2")
    ref = tmp_path / "ref.wav"
    ref.write_bytes(espeak_wav("Soft rain tapped against the glass as she wrote her letter.",
                               voice="en+f2").read_bytes())
    first = analyze_audio(take, TEXT, "en", ref_path=ref, speaker_encoder=speaker_encoder)
    again = analyze_audio(take, TEXT, "en", ref_path=ref, speaker_encoder=speaker_encoder)
    ref.write_bytes(espeak_wav("Soft rain tapped against the glass as she wrote her letter.",
                               voice="en-us+m7").read_bytes())
    replaced = analyze_audio(take, TEXT, "en", ref_path=ref, speaker_encoder=speaker_encoder)
    assert again["metrics"]["speaker_similarity"] == first["metrics"]["speaker_similarity"]
    assert replaced["metrics"]["speaker_similarity"] < first["metrics"]["speaker_similarity"] - 0.05


def test_analysis_leaves_numpy_thread_count_as_it_was(speech_wav):
    """The analysis runs BLAS on one thread (less contention with DNSMOS) but must not leave the app so."""
    from threadpoolctl import threadpool_info

    before = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
    analyze_audio(speech_wav, TEXT, "en", dnsmos=False)
    assert [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"] == before


def test_speaker_metric_missing_reasons(speech_wav, tmp_path):
    class Broken:
        name = "broken"

        def embed(self, samples, sample_rate):
            raise RuntimeError("no weights")

    assert "no reference" in analyze_audio(speech_wav, TEXT, "en",
                                           speaker_encoder=Broken())["missing"]["speaker_similarity"]
    failed = analyze_audio(speech_wav, TEXT, "en", ref_path=speech_wav, speaker_encoder=Broken())
    assert "no weights" in failed["missing"]["speaker_similarity"]
    gone = analyze_audio(speech_wav, TEXT, "en", ref_path=tmp_path / "gone.wav", speaker_encoder=Broken())
    assert "not found" in gone["missing"]["speaker_similarity"]


def test_dnsmos_unavailable_is_missing_not_faked(speech_wav, monkeypatch):
    from ras.metrics import dnsmos

    def unavailable(samples):
        raise dnsmos.DnsmosUnavailable("speechmos is not installed")

    monkeypatch.setattr(dnsmos, "dnsmos_scores", unavailable)
    result = analyze_audio(speech_wav, TEXT, "en")
    assert result["missing"]["dnsmos_ovrl"] == "speechmos is not installed"
    assert "dnsmos_ovrl" not in result["metrics"]


def test_dnsmos_can_be_switched_off(speech_wav):
    result = analyze_audio(speech_wav, TEXT, "en", dnsmos=False)
    assert result["missing"]["dnsmos_sig"] == "DNSMOS disabled in settings"
    assert not any(name.startswith("dnsmos") for name in result["metrics"])


@pytest.mark.parametrize("seconds", [0.0, 0.05, 0.4])
def test_tiny_or_empty_audio_gives_a_result_not_a_crash(tmp_path, seconds):
    path = write_wav(tmp_path / "tiny.wav", np.zeros(int(seconds * 32000), np.float32), 32000)
    result = analyze_audio(path, TEXT, "en")
    assert result["metrics"]["duration"] == pytest.approx(seconds, abs=0.01)
    assert "chars_per_second" in result["missing"] and 0 <= result["auto_score"] <= 100


def test_stereo_48k_is_read_as_mono(tmp_path, espeak_wav):
    import soundfile as sf

    from ras.audio.load import resample

    samples, sr = read_wav(espeak_wav(TEXT))
    mono = resample(samples, sr, 48000)
    path = tmp_path / "stereo.wav"
    sf.write(str(path), np.stack([mono, mono], axis=1), 48000)
    result = analyze_audio(path, TEXT, "en")
    assert result["flags"] == [] and result["auto_score"] >= 85
