import numpy as np

from ras.metrics import analyze_audio, analyze_samples
from ras.metrics.artifacts import artifact_metrics
from ras.metrics.features import compute_features
from ras.metrics.repetition import repeated_units, repetition_metrics
from ras.metrics.signal import voiced_mask
from tests.fixtures.audio import noise_samples, read_wav, tone_samples

TEXT = "Volunteers planted hundreds of trees along the empty highway near the coast."


def measure(samples, sr):
    features = compute_features(samples, sr)
    active = voiced_mask(features.frame_db)
    return {**repetition_metrics(features.log_mel, active),
            **artifact_metrics(features.power, features.log_mel, active)}


def clean(espeak_wav):
    return read_wav(espeak_wav(TEXT, voice="en+f2"))


def test_clean_speech_has_no_repeat_tone_or_noise(espeak_wav):
    m = measure(*clean(espeak_wav))
    assert m["repeat_seconds"] == 0.0 and m["repeat_similarity"] < 0.88
    assert m["tone_seconds"] < 0.2 and m["noise_seconds"] < 0.2


def test_a_repeated_second_is_found(espeak_wav):
    samples, sr = clean(espeak_wav)
    a, b = int(1.0 * sr), int(2.0 * sr)
    looped = np.concatenate([samples[:b], samples[a:b], samples[b:]])
    m = measure(looped, sr)
    assert m["repeat_seconds"] >= 0.8 and m["repeat_similarity"] > 0.95


def test_a_held_tone_is_found(espeak_wav):
    samples, sr = clean(espeak_wav)
    held = np.concatenate([samples[: sr], tone_samples(1200, 0.8, sr, 0.2), samples[sr:]])
    assert measure(held, sr)["tone_seconds"] >= 0.6


def test_a_white_noise_burst_is_found(espeak_wav):
    samples, sr = clean(espeak_wav)
    noisy = samples.copy()
    burst = noise_samples(0.6, sr, rms=float(np.sqrt(np.mean(samples ** 2))))
    noisy[sr: sr + len(burst)] += burst
    assert measure(noisy, sr)["noise_seconds"] >= 0.4


REFRAIN = "这是第一句，用来看长文本的进度。这是第二句，用来看长文本的进度。"
PLAIN = "这是第一句，用来看长文本的进度。我们明天一起去公园散步吧。"


def test_a_text_that_repeats_itself_is_no_loop_but_a_looped_phrase_still_is(espeak_wav):
    faithful = analyze_audio(espeak_wav(REFRAIN, voice="zh"), REFRAIN, "zh", dnsmos=False)
    assert faithful["metrics"]["repeat_seconds"] >= 0.8  # the refrain sounds twice, as the text asks
    assert "repeat" not in faithful["flags"]
    samples, sr = read_wav(espeak_wav(PLAIN, voice="zh"))
    a, b = int(1.0 * sr), int(2.5 * sr)
    looped = np.concatenate([samples[:b], samples[a:b], samples[b:]])
    assert "repeat" in analyze_samples(looped, sr, PLAIN, "zh", dnsmos=False)["flags"]


def test_the_longest_stretch_a_text_says_again_counts_its_units():
    assert repeated_units("用来看进度。再用来看进度！") == 5
    assert repeated_units("哈哈哈") == 2 and repeated_units("处处闻啼鸟") == 1
    assert repeated_units("The cat saw the Cat.") == 2
    assert repeated_units("一二三四五") == 0 and repeated_units("") == 0
