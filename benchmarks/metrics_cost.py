"""Cost of the automatic metrics: ms per second of audio, DNSMOS included, ASR excluded.

Clips: espeak speech of three lengths like GPT-SoVITS results for short,
medium and long test texts (~4 s, ~9 s, ~18 s). Each clip runs through
ras.metrics.analyze_audio (file read, signal, rate, repetition, artifacts,
DNSMOS, score) after one warm-up call (session creation and imports are paid
once per process, not per result). Each clip's time is its best of three
runs: the machine is shared. DNSMOS runs one 9.01-s window per started 9 s, so short
clips pay for a whole window: the per-class lines show it.
A second total adds speaker similarity to a reference clip (resemblyzer), as
results analysed in the app have; the target's definition leaves it out.
When .venv-gsv exists (scripts/setup_gsv_runtime.sh), the tiny real
GPT-SoVITS also synthesizes a few results and the metrics' time on them is
printed as a share of the synthesis time (the tiny model is far faster than
a real one, so this share is an upper bound).
Usage: python benchmarks/metrics_cost.py [clips_per_class]
English ASR (bundled tiny.en, one thread, greedy) is timed apart, take by take as the analysis
step transcribes them (each in the shortest Whisper window that holds it), with its agreement with
Whisper's full 30-s window.
Each ASR backend it can load is timed too, as the analysis processes run it (one thread, model
loaded once, take by take): the tiny random-weight Paraformer-zh and SenseVoiceSmall built by
scripts/make_tiny_funasr.py on espeak-ng Chinese, and the bundled tiny.en on English. The tiny
FunASR models have the real models' structure at a fraction of their size: their cost is a lower
bound of the real ones'.
Usage: python benchmarks/metrics_cost.py --asr   (the ASR backends alone)
Last line: `metrics_cost: X ms per second of audio (target <= 30); English ASR ... Y ms (target <= 60);
ASR per backend ...` (with --asr: `asr_cost: ...`).
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ras.audio.files import probe_audio  # noqa: E402
from ras.audio.load import load_mono, resample  # noqa: E402
from ras.metrics import analyze_audio, asr  # noqa: E402
from ras.metrics.asr_models import (  # noqa: E402
    PARAFORMER_ZH,
    SENSEVOICE,
    WHISPER_BUNDLED,
    AsrSearch,
    find_asr_models,
)
from ras.metrics.dnsmos import dnsmos_scores  # noqa: E402
from ras.metrics.features import ANALYSIS_SR  # noqa: E402
from ras.metrics.speaker import load_encoder  # noqa: E402
from ras.metrics.text_compare import compare_texts  # noqa: E402
from ras.metrics.transcribe import recognizer_for  # noqa: E402
from tests.fixtures.audio import read_wav, synthesize, write_wav  # noqa: E402
from tests.ras.metrics.defects import TEXTS, VOICES  # noqa: E402

CLASSES = {"short": 1, "medium": 2, "long": 4}  # sentences per clip
CHINESE_TEXTS = ("今天天气很好，我们去公园散步吧。", "请把绿色的雨伞带到车站，明天早上八点见。",
                 "这本书讲的是一个小男孩和他的狗的故事。", "会议在二零二六年三月五日下午三点开始。")
ROUNDS = 3
ENGINE_TEXTS = 6


def make_clips(folder: Path, sentences: int, count: int) -> list[tuple[Path, str]]:
    clips = []
    for i in range(count):
        texts = [TEXTS[(i * 5 + j) % len(TEXTS)] for j in range(sentences)]
        parts = [read_wav(synthesize(t, folder / f"p{sentences}_{i}_{j}.wav", voice=VOICES[i % len(VOICES)]))
                 for j, t in enumerate(texts)]
        sr = parts[0][1]
        samples = np.concatenate([p for p, _ in parts])
        clips.append((write_wav(folder / f"clip{sentences}_{i}.wav", samples, sr), " ".join(texts)))
    return clips


def seconds_of(path: Path) -> float:
    return probe_audio(path).duration


def best_seconds(call, rounds: int = ROUNDS) -> float:
    """Fastest of a few runs: the run least disturbed by other processes on this shared machine."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - start)
    return best


def timed_class(clips, reference: Path, encoder) -> tuple[float, float, float]:
    """(analysis, DNSMOS alone, analysis with speaker similarity) seconds summed over the clips,
    each clip's best of ROUNDS."""
    analysis = dnsmos = with_speaker = 0.0
    for path, text in clips:
        analysis += best_seconds(lambda path=path, text=text: analyze_audio(path, text, "en"))
        samples, sr = load_mono(path)
        at_16k = resample(samples, sr, ANALYSIS_SR)
        dnsmos += best_seconds(lambda at_16k=at_16k: dnsmos_scores(at_16k))
        with_speaker += best_seconds(lambda path=path, text=text: analyze_audio(path, text, "en", ref_path=reference,
                                                                                speaker_encoder=encoder))
    return analysis, dnsmos, with_speaker


def share_of_tiny_synthesis(folder: Path) -> str:
    """Metric time / synthesis time on results of the tiny real GPT-SoVITS (one line)."""
    from gsv_integration.local_engine import LocalEngine
    from gsv_integration.request import SynthesisRequest
    from tests.fixtures.gsv import WORKER_TEST_CONFIG, build_tiny_gsv, gsv_python_path, make_ref_wav

    try:
        tiny = build_tiny_gsv(str(gsv_python_path()))
    except Exception as exc:  # noqa: BLE001 - the runtime is optional for this benchmark
        return f"tiny engine share: skipped ({exc}); run scripts/setup_gsv_runtime.sh"
    ref_text = "The reference speaker reads one calm sentence here."
    ref = make_ref_wav(folder / "ref.wav", ref_text, speed=130)
    engine = LocalEngine(tiny.root, tiny.python, worker_config=WORKER_TEST_CONFIG,
                         env_extra={"RAS_TEST_OFFLINE": "1"})
    engine.start()
    synth = metrics = audio = 0.0
    try:
        for i in range(ENGINE_TEXTS + 1):  # the first call loads the weights: not counted
            request = SynthesisRequest(text=TEXTS[i % len(TEXTS)], text_lang="en", ref_audio_path=str(ref),
                                       prompt_text=ref_text, prompt_lang="en", gpt_weights=str(tiny.gpt[0]),
                                       sovits_weights=str(tiny.sovits[0]), seed=i)
            out = folder / f"tiny{i}.wav"
            start = time.perf_counter()
            engine.synthesize(request, str(out), timeout=300)
            took = time.perf_counter() - start
            spent = best_seconds(lambda out=out, request=request: analyze_audio(out, request.text, "en"))
            if i:
                synth, metrics, audio = synth + took, metrics + spent, audio + seconds_of(out)
    finally:
        engine.close()
    return (f"tiny engine share: {ENGINE_TEXTS} results, {audio / ENGINE_TEXTS:.1f} s each, synthesis "
            f"{synth * 1000 / ENGINE_TEXTS:.0f} ms/result, metrics {metrics * 1000 / ENGINE_TEXTS:.0f} ms/result "
            f"= {metrics / synth:.0%} of the synthesis time")


def english_asr_cost(takes: int = 8) -> tuple[float, str]:
    """Transcription alone with the bundled tiny.en, as the analysis step runs it (model loaded once),
    in ms per second of audio; and how the short windows it reads takes in agree with Whisper's full
    30-s window (mean CER of each, and how often the wrong_words flag's start, CER > 0.10, agrees)."""
    model = asr.load_asr_model(str(asr.bundled_english_model()))
    with tempfile.TemporaryDirectory() as tmp:
        texts = [" ".join(TEXTS[(i * 3 + j) % len(TEXTS)] for j in range(1 + i % 3)) for i in range(takes + 1)]
        clips = [resample(*load_mono(synthesize(texts[i], Path(tmp) / f"asr{i}.wav",
                                                voice=VOICES[i % len(VOICES)])), 16_000) for i in range(takes + 1)]
        asr.transcribe(clips[0], model, "en")  # first decode warms up
        clips, texts = clips[1:], texts[1:]
        audio = sum(len(c) for c in clips) / 16_000
        spent = sum(best_seconds(lambda c=c: asr.transcribe(c, model, "en"), 2) for c in clips)
        full_spent = sum(best_seconds(lambda c=c: asr.transcribe(c, model, "en", windowed=False), 1) for c in clips)
        heard = [asr.transcribe(c, model, "en") for c in clips]
        short = [asr.character_error_rate(t, h) for t, h in zip(texts, heard)]
        full = [asr.character_error_rate(t, asr.transcribe(c, model, "en", windowed=False))
                for c, t in zip(clips, texts)]
        by_words = [compare_texts(t, h, "en") for t, h in zip(texts, heard)]
    agree = sum((a > 0.10) == (b > 0.10) for a, b in zip(short, full)) / len(clips)
    return spent * 1000 / audio, (
        f"English ASR on {len(clips)} takes of {audio / len(clips):.1f} s: short windows {spent * 1000 / audio:.1f} "
        f"ms/s, mean CER {np.mean(short):.3f}; full 30-s window {full_spent * 1000 / audio:.1f} ms/s, mean CER "
        f"{np.mean(full):.3f}; CER > 0.10 agrees on {agree:.0%}; scored by words (text_compare) mean WER "
        f"{np.mean([r.error_rate for r in by_words]):.3f}, {sum(bool(r.failures) for r in by_words)} of "
        f"{len(clips)} clean takes failing")


def main() -> None:
    per_class = int(sys.argv[1]) if len(sys.argv) > 1 else 6
    total_ms = total_audio = speaker_ms = 0.0
    encoder = load_encoder()  # the app's default (resemblyzer); loading it is paid once per process
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        warm_path, warm_text = make_clips(folder, 1, 1)[0]
        reference = synthesize(TEXTS[-1], folder / "reference.wav", voice=VOICES[0])
        analyze_audio(warm_path, warm_text, "en", ref_path=reference, speaker_encoder=encoder)
        for name, sentences in CLASSES.items():
            clips = make_clips(folder, sentences, per_class)
            audio = sum(seconds_of(path) for path, _ in clips)
            analysis, dnsmos, with_speaker = timed_class(clips, reference, encoder)
            total_ms += analysis * 1000
            speaker_ms += with_speaker * 1000
            total_audio += audio
            print(f"{name:<7} {per_class} clips, {audio / per_class:5.1f} s each: "
                  f"{analysis * 1000 / per_class:6.0f} ms/clip, "
                  f"{analysis * 1000 / audio:5.1f} ms per s of audio (DNSMOS {dnsmos / analysis:.0%}, "
                  f"without it {(analysis - dnsmos) * 1000 / audio:4.1f} ms/s)")
        print(f"with speaker similarity to a reference (as results in the app have): "
              f"{speaker_ms / total_audio:.1f} ms per s of audio")
        print(share_of_tiny_synthesis(folder))
    window = best_seconds(lambda: dnsmos_scores(np.zeros(16_000, np.float32)), 5)
    print(f"DNSMOS: {window * 1000:.0f} ms per 9.01-s window "
          "(fixed model input; a shorter clip is tiled to one window)")
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    asr_ms_per_s, asr_line = english_asr_cost(12)
    print(asr_line)
    backends = asr_backend_costs()
    print(f"metrics_cost: {total_ms / total_audio:.1f} ms per second of audio (target <= 30); "
          f"English ASR (tiny.en, one thread) {asr_ms_per_s:.1f} ms per second of audio (target <= 60); "
          f"{backends}")


def asr_backend_costs(takes: int = 4) -> str:
    """ms per second of audio of each ASR backend that loads here, one line each; returns the summary."""
    import torch

    torch.set_num_threads(1)  # as in an analysis process
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        built = subprocess.run([sys.executable, str(ROOT / "scripts" / "make_tiny_funasr.py"),
                                "--modelscope-cache", str(folder / "modelscope")],
                               capture_output=True, text=True, check=False)
        search = AsrSearch(modelscope_roots=(folder / "modelscope",) if built.returncode == 0 else ())
        if built.returncode != 0:
            print(f"tiny FunASR models: not built ({built.stderr.strip()[-300:]})")
        models = find_asr_models(search)
        chinese = [resample(*load_mono(synthesize(text, folder / f"zh{i}.wav", voice="zh")), 16_000)
                   for i, text in enumerate(CHINESE_TEXTS[:takes])]
        english_texts = [TEXTS[i % len(TEXTS)] for i in range(takes)]
        english = [resample(*load_mono(synthesize(text, folder / f"en{i}.wav", voice=VOICES[i % len(VOICES)])),
                            16_000) for i, text in enumerate(english_texts)]
        runs = [("paraformer-zh (tiny, random)", PARAFORMER_ZH, "zh", chinese),
                ("sensevoice (tiny, random)", SENSEVOICE, "zh", chinese),
                ("whisper tiny.en (bundled)", WHISPER_BUNDLED, "en", english)]
        costs = []
        for label, family, lang, clips in runs:
            model = next((m for m in models.found if m.family == family), None)
            if model is None:
                print(f"ASR {label}: not available")
                continue
            recognizer = recognizer_for(model)
            start = time.perf_counter()
            recognizer.transcribe(clips[0], lang)  # loads the model
            loading = time.perf_counter() - start
            audio = sum(len(c) for c in clips) / 16_000
            spent = sum(best_seconds(lambda c=c, r=recognizer, lang=lang: r.transcribe(c, lang), 2) for c in clips)
            costs.append(f"{label.split(' (')[0]} {spent * 1000 / audio:.1f}")
            print(f"ASR {label}: {spent * 1000 / audio:.1f} ms per second of audio over {len(clips)} takes of "
                  f"{audio / len(clips):.1f} s (first transcript, with loading: {loading:.1f} s)")
    return "ASR per backend (ms per second of audio, one thread): " + ", ".join(costs)


def asr_only() -> None:
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"asr_cost: {asr_backend_costs()}")

if __name__ == "__main__":
    asr_only() if "--asr" in sys.argv[1:] else main()
