"""The one synthesis request shared by UI, API, queue and worker.

Standard library only: the worker imports this file inside GPT-SoVITS's own
interpreter, and the web process imports it without torch.
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

# (code, GPT-SoVITS's own Chinese label); codes are what TTS.run expects.
TEXT_SPLIT_METHODS: tuple[tuple[str, str], ...] = (
    ("cut0", "不切"),
    ("cut1", "凑四句一切"),
    ("cut2", "凑50字一切"),
    ("cut3", "按中文句号。切"),
    ("cut4", "按英文句号.切"),
    ("cut5", "按标点符号切"),
)
TEXT_SPLIT_CODES = tuple(code for code, _ in TEXT_SPLIT_METHODS)

# GPT-SoVITS language codes (v2 list; v1 accepts a subset), in the order the UI offers them.
LANGUAGES = ("zh", "en", "ja", "ko", "yue", "all_zh", "all_ja", "all_yue", "all_ko", "auto", "auto_yue")

# GPT-SoVITS's TTS refuses a reference (the main one, not aux) shorter or longer than this.
REF_MIN_SECONDS, REF_MAX_SECONDS = 3.0, 10.0

TOP_K_RANGE = (1, 100)
SPEED_RANGE = (0.6, 1.65)
# (min, max, step) of GPT-SoVITS webui's sliders, which RAS's task form offers too; the request itself
# accepts wider values (see _check_sampling).
SLIDERS = {
    "top_k": (*TOP_K_RANGE, 1),
    "top_p": (0, 1, 0.05),
    "temperature": (0.05, 1, 0.05),
    "repetition_penalty": (0, 2, 0.05),
    "speed_factor": (*SPEED_RANGE, 0.05),
    "batch_size": (1, 20, 1),
}
SAMPLE_STEPS_CHOICES = (4, 8, 16, 32, 64, 128)  # v3/v4


@dataclass
class SynthesisRequest:
    text: str
    text_lang: str
    ref_audio_path: str
    prompt_text: str = ""
    prompt_lang: str = "zh"
    aux_ref_audio_paths: list[str] = field(default_factory=list)
    gpt_weights: str = ""
    sovits_weights: str = ""
    top_k: int = 15
    top_p: float = 1.0
    temperature: float = 1.0
    repetition_penalty: float = 1.35
    text_split_method: str = "cut1"
    speed_factor: float = 1.0
    seed: int = -1
    batch_size: int = 1
    sample_steps: int = 32  # v3/v4 only
    super_sampling: bool = False  # v3/v4 only

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        """GPT-SoVITS's defaults of the parameters that have one (top_k 15, speed_factor 1.0 ...)."""
        return {f.name: f.default for f in dataclasses.fields(cls) if f.default is not dataclasses.MISSING}

    def validate(self) -> SynthesisRequest:
        """Raise ValueError naming the first bad field; return self."""
        for check in (self._check_texts, self._check_paths, self._check_sampling,
                      self._check_choices):
            check()
        return self

    def _check_texts(self) -> None:
        if not isinstance(self.text, str) or not self.text.strip():
            _bad("text", self.text, "must be non-empty text to synthesize")
        for name in ("text_lang", "prompt_lang"):
            value = getattr(self, name)
            if not isinstance(value, str) or value.lower() not in LANGUAGES:
                _bad(name, value, f"must be one of {', '.join(LANGUAGES)}")
        if not isinstance(self.prompt_text, str):
            _bad("prompt_text", self.prompt_text, "must be text (may be empty)")

    def _check_paths(self) -> None:
        if not isinstance(self.ref_audio_path, str) or not self.ref_audio_path:
            _bad("ref_audio_path", self.ref_audio_path,
                 f"must be the path of a {REF_MIN_SECONDS:g}-{REF_MAX_SECONDS:g} s wav")
        if not isinstance(self.aux_ref_audio_paths, list) or not all(
                isinstance(p, str) and p for p in self.aux_ref_audio_paths):
            _bad("aux_ref_audio_paths", self.aux_ref_audio_paths, "must be a list of paths")
        for name in ("gpt_weights", "sovits_weights"):
            if not isinstance(getattr(self, name), str):
                _bad(name, getattr(self, name), "must be a file path (or empty for the loaded one)")

    def _check_sampling(self) -> None:
        _require_int("top_k", self.top_k, *TOP_K_RANGE)
        _require_float("top_p", self.top_p, 0.0, 1.0)
        # GPT-SoVITS's UI offers (0, 1]; the model accepts more, so allow (0, 2].
        _require_float("temperature", self.temperature, 0.0, 2.0, low_open=True)
        _require_float("repetition_penalty", self.repetition_penalty, 0.0, 10.0, low_open=True)
        _require_float("speed_factor", self.speed_factor, *SPEED_RANGE)
        _require_int("seed", self.seed, -1, 2**32 - 1)
        _require_int("batch_size", self.batch_size, 1, 200)

    def _check_choices(self) -> None:
        if self.text_split_method not in TEXT_SPLIT_CODES:
            _bad("text_split_method", self.text_split_method,
                 f"must be one of {', '.join(TEXT_SPLIT_CODES)}")
        _require_int("sample_steps", self.sample_steps, 1, 256)
        if not isinstance(self.super_sampling, bool):
            _bad("super_sampling", self.super_sampling, "must be true or false")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SynthesisRequest:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"SynthesisRequest: unknown field(s) {', '.join(unknown)}")
        return cls(**data).validate()

    @classmethod
    def from_json(cls, text: str) -> SynthesisRequest:
        return cls.from_dict(json.loads(text))

    def to_tts_inputs(self) -> dict[str, Any]:
        """The dict GPT-SoVITS's TTS.run and api_v2 POST /tts take.

        Weights are not part of it: they are switched separately
        (init_t2s_weights / init_vits_weights, /set_*_weights).
        """
        return {
            "text": self.text,
            "text_lang": self.text_lang.lower(),
            "ref_audio_path": self.ref_audio_path,
            "aux_ref_audio_paths": list(self.aux_ref_audio_paths),
            "prompt_text": self.prompt_text,
            "prompt_lang": self.prompt_lang.lower(),
            "top_k": self.top_k,
            "top_p": self.top_p,
            "temperature": self.temperature,
            "text_split_method": self.text_split_method,
            "batch_size": self.batch_size,
            "batch_threshold": 0.75,
            "split_bucket": True,
            "speed_factor": self.speed_factor,
            "fragment_interval": 0.3,
            "seed": self.seed,
            "parallel_infer": True,
            "repetition_penalty": self.repetition_penalty,
            # Ignored by versions without v3/v4 (TTS.run reads keys with .get).
            "sample_steps": self.sample_steps,
            "super_sampling": self.super_sampling,
            "return_fragment": False,
            "streaming_mode": False,
        }


@dataclass
class SynthesisResult:
    wav_path: str
    sample_rate: int
    num_samples: int
    # load_gpt_s, load_sovits_s, load_base_s (first start), synth_s, total_s
    timings: dict[str, float] = field(default_factory=dict)
    loaded_gpt: bool = False
    loaded_sovits: bool = False
    encoded_ref: bool = False
    engine: str = ""

    @property
    def duration(self) -> float:
        return self.num_samples / self.sample_rate if self.sample_rate else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "duration": self.duration}


def _bad(name: str, value: Any, rule: str) -> None:
    raise ValueError(f"SynthesisRequest.{name}={value!r}: {rule}")


def _require_int(name: str, value: Any, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        _bad(name, value, f"must be a whole number from {low} to {high}")


def _require_float(name: str, value: Any, low: float, high: float, *, low_open: bool = False) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if ok:
        ok = (low < value if low_open else low <= value) and value <= high
    if not ok:
        bracket = "(" if low_open else "["
        _bad(name, value, f"must be a number in {bracket}{low}, {high}]")
