"""Cut a long or flawed clip at its pauses into new clips, with their texts.

Speech is found with faster-whisper's bundled Silero VAD (onnx, offline; no
torch) or, when that is unavailable, a frame-energy detector. A cut goes in
the middle of every pause of at least `min_silence_ms`, so each piece keeps
a little silence on both sides and no word is clipped.

Piece texts come either from a local faster-whisper model (WhisperTranscriber,
or any object with the same `transcribe(path, lang)`), or from the original
transcript split in proportion to each piece's voiced time, marked unverified.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from ras.audio.files import atomic_target
from ras.audio.load import load_mono, resample
from ras.errors import InputError
from ras.languages import AUTO_LANGS, CJK_CHAR, CJK_LANGS
from ras.metrics import asr

VAD_SAMPLE_RATE = 16000
SILENCE_PEAK = 1e-4  # below this the file holds no sound at all
EDGE_MS = 200  # silence kept before the first and after the last word
MIN_SPEECH_MS = 100  # shorter blips (clicks, breaths) are not speech

# Sentence and clause ends, Western and CJK: preferred places to cut a text.
PUNCTUATION = set(".,;:!?…—-–、。，；：！？～~」』）)\"'”’")


def load_audio(path: str | Path) -> tuple[np.ndarray, int]:
    """Mono float32 samples and their rate; InputError naming the file when it is unreadable (load_mono's)
    or empty."""
    samples, rate = load_mono(path)
    if len(samples) == 0:
        raise InputError(f"audio file {path} holds no samples; choose another clip")
    return samples, rate


def detect_speech(
    samples: np.ndarray, sample_rate: int, *, min_silence_ms: int = 300, method: str = "auto"
) -> list[tuple[float, float]]:
    """Speech segments (start_s, end_s), separated by pauses >= min_silence_ms.

    method: "vad" (faster-whisper's Silero), "energy", or "auto" (VAD when
    importable, else energy).
    """
    if method not in ("auto", "vad", "energy"):
        raise ValueError(f"unknown speech detection method {method!r}")
    if method == "auto":
        method = "vad" if _vad_available() else "energy"
    if method == "vad":
        segments = _silero_segments(samples, sample_rate, min_silence_ms)
    else:
        segments = _energy_segments(samples, sample_rate, min_silence_ms)
    return _merge_short_gaps(segments, min_silence_ms / 1000)


def _vad_available() -> bool:
    try:
        import faster_whisper.vad  # noqa: F401
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def _silero_segments(samples, sample_rate, min_silence_ms) -> list[tuple[float, float]]:
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    audio = resample(samples, sample_rate, VAD_SAMPLE_RATE)
    # No padding: we want the raw speech edges and put cuts in the pauses ourselves.
    options = VadOptions(
        min_silence_duration_ms=int(min_silence_ms),
        speech_pad_ms=0,
        min_speech_duration_ms=MIN_SPEECH_MS,
    )
    stamps = get_speech_timestamps(audio, vad_options=options, sampling_rate=VAD_SAMPLE_RATE)
    return [(s["start"] / VAD_SAMPLE_RATE, s["end"] / VAD_SAMPLE_RATE) for s in stamps]


def _energy_segments(samples, sample_rate, min_silence_ms, *, frame_ms=20) -> list[tuple[float, float]]:
    """Frames louder than the clip's peak minus 35 dB (and -55 dBFS) are speech."""
    frame = max(1, int(sample_rate * frame_ms / 1000))
    count = len(samples) // frame
    if count == 0:
        return []
    frames = samples[: count * frame].reshape(count, frame)
    level_db = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)
    loud = level_db > max(level_db.max() - 35.0, -55.0)
    segments, start = [], None
    for i, is_loud in enumerate(np.append(loud, False)):
        if is_loud and start is None:
            start = i
        elif not is_loud and start is not None:
            segments.append((start * frame / sample_rate, i * frame / sample_rate))
            start = None
    merged = _merge_short_gaps(segments, min_silence_ms / 1000)
    return [(a, b) for a, b in merged if b - a >= MIN_SPEECH_MS / 1000]


def _merge_short_gaps(segments, min_gap_s) -> list[tuple[float, float]]:
    merged: list[tuple[float, float]] = []
    for start, end in segments:
        if merged and start - merged[-1][1] < min_gap_s:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def propose_cuts(
    path: str | Path, min_silence_ms: int = 300, *, method: str = "auto", edge_ms: int = EDGE_MS
) -> list[dict]:
    """Pieces [{"start", "end", "voiced"}] (seconds) cut in the middle of pauses.

    A clip without a pause of min_silence_ms gives one piece. Leading and
    trailing silence is trimmed to edge_ms. InputError (naming the file) for
    an unreadable, empty, silent or speechless file.
    """
    samples, rate = load_audio(path)
    if np.max(np.abs(samples)) < SILENCE_PEAK:
        raise InputError(f"audio file {path} is silent: nothing to split")
    segments = detect_speech(samples, rate, min_silence_ms=min_silence_ms, method=method)
    if not segments:
        raise InputError(f"no speech found in {path}: nothing to split")
    duration = len(samples) / rate
    return pieces_from_segments(segments, duration, edge_s=edge_ms / 1000)


def pieces_from_segments(segments, duration: float, *, edge_s: float = EDGE_MS / 1000) -> list[dict]:
    """Group speech segments into pieces whose borders sit mid-pause."""
    cuts = [(end + next_start) / 2 for (_, end), (next_start, _) in zip(segments, segments[1:])]
    starts = [max(0.0, segments[0][0] - edge_s)] + cuts
    ends = cuts + [min(duration, segments[-1][1] + edge_s)]
    return [
        {"start": round(start, 3), "end": round(end, 3), "voiced": round(seg_end - seg_start, 3)}
        for start, end, (seg_start, seg_end) in zip(starts, ends, segments)
    ]


def voiced_durations(path: str | Path, pieces: Sequence[dict], *, min_silence_ms: int = 300) -> list[float]:
    """Speech seconds inside each (possibly user-edited) piece."""
    samples, rate = load_audio(path)
    segments = detect_speech(samples, rate, min_silence_ms=min_silence_ms)
    return [
        round(sum(max(0.0, min(b, p["end"]) - max(a, p["start"])) for a, b in segments), 3)
        for p in pieces
    ]


def check_pieces(pieces: Sequence[dict], duration: float) -> None:
    """InputError unless every piece has 0 <= start < end <= duration."""
    if not pieces:
        raise InputError("no pieces to write: detect the cut points first")
    for number, piece in enumerate(pieces, start=1):
        start, end = float(piece["start"]), float(piece["end"])
        if not 0 <= start < end or end > duration + 1e-3:
            raise InputError(
                f"piece {number}: start {start:.3f} s / end {end:.3f} s must satisfy "
                f"0 <= start < end <= {duration:.3f} s"
            )


def write_pieces(path: str | Path, pieces: Sequence[dict], out_dir: str | Path, *,
                 stem: str | None = None) -> list[Path]:
    """Write each piece as `<stem>_<nn>.wav` in out_dir at the source's rate.

    Channels and (where WAV allows) sample format are kept. Each file is
    written under a temporary name and renamed, so a crash never leaves a
    half-written piece under its final name.
    """
    import soundfile as sf

    try:
        info = sf.info(str(path))
        audio, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except Exception as exc:
        raise InputError(f"cannot read audio file {path}: {exc}") from exc
    check_pieces(pieces, len(audio) / rate)
    subtype = info.subtype if sf.check_format("WAV", info.subtype) else "PCM_16"
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = stem or Path(path).stem
    written = []
    for number, piece in enumerate(pieces, start=1):
        chunk = audio[int(round(float(piece["start"]) * rate)) : int(round(float(piece["end"]) * rate))]
        target = out_dir / f"{stem}_{number:02d}.wav"
        _write_atomic(target, chunk, rate, subtype)
        written.append(target)
    return written


def _write_atomic(target: Path, audio: np.ndarray, rate: int, subtype: str) -> None:
    import soundfile as sf

    with atomic_target(target) as temp:
        sf.write(str(temp), audio, rate, subtype=subtype, format="WAV")


# ---------------------------------------------------------------- transcripts


def split_transcript(text: str, pieces_voiced_durations: Sequence[float], lang: str) -> list[dict]:
    """The original transcript cut in proportion to each piece's voiced time.

    Units are characters for Chinese/Japanese/Cantonese (and CJK-looking
    text under "auto") and words otherwise; a cut near the proportional
    position prefers to follow punctuation. Returns [{"text", "verified":
    False, "source": "proportional"}], one per piece, for the user to fix.
    """
    durations = [max(0.0, float(d)) for d in pieces_voiced_durations]
    if not durations:
        return []
    units = _text_units(text, by_char=_splits_by_char(text, lang))
    boundaries = _choose_boundaries(units, durations)
    texts = []
    for first, last in zip([0] + boundaries, boundaries + [len(units)]):
        span = text[units[first][0] : units[last - 1][1]] if last > first else ""
        texts.append({"text": span.strip(), "verified": False, "source": "proportional"})
    return texts


def _splits_by_char(text: str, lang: str) -> bool:
    lang = (lang or "").lower()
    if lang in CJK_LANGS:
        return True
    if lang in ("", *AUTO_LANGS):
        visible = [c for c in text if not c.isspace()]
        return bool(visible) and sum(bool(CJK_CHAR.match(c)) for c in visible) / len(visible) > 0.3
    return False


def _text_units(text: str, *, by_char: bool) -> list[tuple[int, int, int, bool]]:
    """(start, end, weight, ends_with_punctuation) per unit, offsets into text.

    Punctuation joins the unit before it, so a piece never starts with a comma.
    Weight ~ spoken length: 1 per CJK character, letters+digits per word.
    """
    pattern = r"\S" if by_char else r"\S+"
    units: list[list] = []
    for match in re.finditer(pattern, text):
        token = match.group()
        spoken = sum(ch.isalnum() for ch in token)
        if spoken == 0 and units:  # pure punctuation: attach to the previous unit
            units[-1][1] = match.end()
            units[-1][3] = True
            continue
        weight = 1 if by_char else max(1, spoken)
        units.append([match.start(), match.end(), weight, token[-1] in PUNCTUATION])
    return [tuple(u) for u in units]


def _choose_boundaries(units, durations: list[float]) -> list[int]:
    """Unit indices where pieces 2..n start, increasing, near the time shares.

    Every piece keeps at least one unit while there are enough units.
    """
    count, pieces = len(units), len(durations)
    total_time = sum(durations)
    if total_time <= 0:  # nothing voiced: spread evenly
        durations, total_time = [1.0] * pieces, float(pieces)
    cumulative = np.concatenate([[0], np.cumsum([u[2] for u in units])])  # weight before unit b
    tolerance = 0.35 * cumulative[-1] / pieces  # how far a cut may move to follow punctuation
    boundaries, previous, elapsed = [], 0, 0.0
    for i, duration in enumerate(durations[:-1]):
        elapsed += duration
        target = cumulative[-1] * elapsed / total_time
        lowest = min(previous + 1, count)
        highest = max(lowest, count - (pieces - 1 - i))
        previous = _best_boundary(units, cumulative, target, tolerance, range(lowest, highest + 1))
        boundaries.append(previous)
    return boundaries


def _best_boundary(units, cumulative, target: float, tolerance: float, candidates: range) -> int:
    """The candidate nearest the target weight, or one after punctuation if that is close."""
    distance = lambda b: abs(cumulative[b] - target)  # noqa: E731
    nearest = min(candidates, key=distance)
    after_punctuation = [
        b for b in candidates if 0 < b < len(units) and units[b - 1][3] and distance(b) <= tolerance
    ]
    return min(after_punctuation, key=distance) if after_punctuation else nearest


class Transcriber(Protocol):
    def transcribe(self, path: str | Path, lang: str) -> str: ...


class WhisperTranscriber:
    """A local faster-whisper model (the same loader and folder checks as the ASR metric):
    the folder is checked at once, the model loads on first use, nothing is downloaded."""

    def __init__(self, model_dir: str | Path) -> None:
        self.model_dir = asr.check_model_dir(model_dir)

    def transcribe(self, path: str | Path, lang: str) -> str:
        samples, sr = load_audio(path)
        return asr.transcribe(resample(samples, sr, 16_000), asr.load_asr_model(str(self.model_dir)), lang)


def piece_texts(
    piece_paths: Sequence[str | Path],
    *,
    lang: str,
    original_text: str = "",
    voiced: Sequence[float] | None = None,
    transcriber: Transcriber | None = None,
) -> list[dict]:
    """Texts for written pieces: transcribed when a transcriber is given, else split.

    ASR texts come back {"verified": True, "source": "asr"}; the proportional
    split needs `voiced` (seconds of speech per piece) and is unverified.
    """
    if transcriber is not None:
        return [
            {"text": transcriber.transcribe(path, lang).strip(), "verified": True, "source": "asr"}
            for path in piece_paths
        ]
    if voiced is None or len(voiced) != len(piece_paths):
        raise ValueError("without a transcriber, give the voiced seconds of every piece")
    return split_transcript(original_text, voiced, lang)
