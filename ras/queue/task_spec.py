"""Comparison task specs: parameters, value lists and ranges, and their expansion.

spec = {"name", "clip_ids", "text_ids", "base": {param: value}, "vary": {param: [values]},
        "combine": "each" | "grid"}
"each" makes one parameter set per listed value of each varied parameter (the base
fills the rest); "grid" takes the cartesian product of the varied lists.
"""
from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass

from gsv_integration.request import SynthesisRequest
from ras.errors import InputError

# API name -> (SynthesisRequest field, type). Unset parameters keep GPT-SoVITS's defaults.
PARAMETERS: dict[str, tuple[str, type]] = {
    "gpt": ("gpt_weights", str),
    "sovits": ("sovits_weights", str),
    "aux_refs": ("aux_ref_audio_paths", list),
    "top_k": ("top_k", int),
    "top_p": ("top_p", float),
    "temperature": ("temperature", float),
    "repetition_penalty": ("repetition_penalty", float),
    "text_split_method": ("text_split_method", str),
    "speed": ("speed_factor", float),
    "seed": ("seed", int),
    "batch_size": ("batch_size", int),
    "sample_steps": ("sample_steps", int),
    "super_sampling": ("super_sampling", bool),
}
COMBINE_MODES = ("each", "grid")
SPEC_KEYS = ("name", "clip_ids", "text_ids", "base", "vary", "combine")
MAX_PARAM_SETS = 100_000  # counted before a grid is built: 1000 values of four parameters would fill the memory


class SpecError(InputError):
    """A task spec that cannot make jobs; the message names the field."""


@dataclass(frozen=True)
class ExpandedSpec:
    name: str
    clip_ids: list[int]
    text_ids: list[int]
    param_sets: list[dict]  # each: the parameters this set gives (base + its varied values)
    varied: list[str]

    @property
    def job_count(self) -> int:
        return len(self.param_sets) * len(self.clip_ids) * len(self.text_ids)


def spec_names(request_fields: dict) -> dict:
    """SynthesisRequest fields (top_k, speed_factor, gpt_weights...) -> the task-spec names (top_k, speed, gpt...)."""
    return {name: request_fields[field] for name, (field, _) in PARAMETERS.items() if field in request_fields}


def parse_values(text: str, param: str) -> list:
    """'5, 10, 20' or a range 'start:stop:step' (stop included) -> typed values."""
    kind = _kind(param)
    text = (text or "").strip()
    if not text:
        return []
    if ":" in text and kind in (int, float):
        parts = text.split(":")
        if len(parts) != 3:
            raise SpecError(f"{param}: a range is start:stop:step, got {text!r}")
        return expand_range(param, *(_number(param, p) for p in parts))
    return [coerce(param, item.strip()) for item in text.replace("，", ",").split(",") if item.strip()]


def _number(param: str, value) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number):
        raise SpecError(f"{param}: a range takes finite numbers, got {str(value)[:40]!r}")
    return number


def expand_range(param: str, start: float, stop: float, step: float) -> list:
    start, stop, step = (_number(param, v) for v in (start, stop, step))
    if step <= 0:
        raise SpecError(f"{param}: the range step must be positive")
    count = math.floor((stop - start) / step + 1e-9) + 1
    if count < 1:
        raise SpecError(f"{param}: the range {start}..{stop} is empty")
    if count > 1000:
        raise SpecError(f"{param}: the range gives {count} values; at most 1000")
    return [coerce(param, round(start + i * step, 6)) for i in range(count)]


def _kind(param: str) -> type:
    if param not in PARAMETERS:
        raise SpecError(f"unknown parameter {param!r}; use one of {', '.join(PARAMETERS)}")
    return PARAMETERS[param][1]


def coerce(param: str, value):
    kind = _kind(param)
    if kind is bool:
        if isinstance(value, str):
            return value.strip().lower() in ("1", "true", "yes", "on")
        return bool(value)
    if kind is str:
        return str(value)
    invalid = SpecError(f"{param}: {str(value)[:60]!r} is not a valid {kind.__name__}")
    if kind is list:
        if not isinstance(value, (list, tuple)) or not all(_is_whole(v) for v in value):
            raise invalid
        return [int(float(v)) for v in value]
    number = None if isinstance(value, bool) else _finite(value)
    if number is None or (kind is int and not number.is_integer()):
        raise invalid
    return int(number) if kind is int else number


def _finite(value) -> float | None:
    """The value as a finite float; None when it is not a number ("abc", inf, nan, a list)."""
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _is_whole(value) -> bool:
    number = None if isinstance(value, bool) else _finite(value)
    return number is not None and number.is_integer()


def check_parameters(params: dict) -> None:
    """Check ranges with the same validation the engine request uses."""
    fields = {PARAMETERS[k][0]: v for k, v in params.items() if k not in ("aux_refs", "gpt", "sovits")}
    try:
        SynthesisRequest(text="x", text_lang="zh", ref_audio_path="ref.wav", **fields).validate()
    except ValueError as exc:
        raise SpecError(str(exc).replace("SynthesisRequest: ", "")) from None


def _values_of(param: str, values) -> list:
    if isinstance(values, dict):  # {"start", "stop", "step"}
        missing = [k for k in ("start", "stop", "step") if k not in values]
        if missing:
            raise SpecError(f"vary.{param}: a range needs start, stop and step (missing {', '.join(missing)})")
        return expand_range(param, values["start"], values["stop"], values["step"])
    if isinstance(values, str):
        return parse_values(values, param)
    if not isinstance(values, (list, tuple)):
        raise SpecError(f"vary.{param} must be a list of values or a start/stop/step range")
    if param == "aux_refs":  # a list of alternatives, each a list of clip ids
        return [coerce(param, v if isinstance(v, (list, tuple)) else [v]) for v in values]
    return [coerce(param, v) for v in values]


def _id_list(spec: dict, key: str) -> list[int]:
    values = spec.get(key) or []
    if not isinstance(values, (list, tuple)):
        raise SpecError(f"{key} must be a list of ids")
    try:
        ids = [int(v) for v in values]
    except (TypeError, ValueError):
        raise SpecError(f"{key} must be a list of integer ids") from None
    return list(dict.fromkeys(ids))


def expand_spec(spec: dict) -> ExpandedSpec:
    if not isinstance(spec, dict):
        raise SpecError("the task spec must be a JSON object")
    combine = spec.get("combine") or "each"
    if combine not in COMBINE_MODES:
        raise SpecError(f"combine must be 'each' or 'grid', got {str(combine)[:40]!r}")
    for key in ("base", "vary"):
        if not isinstance(spec.get(key) or {}, dict):
            raise SpecError(f"{key} must be an object of parameter: value")
    base = {k: coerce(k, v) for k, v in (spec.get("base") or {}).items() if v is not None}
    vary = {k: _values_of(k, v) for k, v in (spec.get("vary") or {}).items()}
    vary = {k: list(dict.fromkeys(map(_hashable, v))) for k, v in vary.items()}
    empty = [k for k, v in vary.items() if not v]
    if empty:
        raise SpecError(f"no values given for varied parameter(s) {', '.join(empty)}")
    sets = math.prod(len(v) for v in vary.values()) if combine == "grid" else sum(len(v) for v in vary.values())
    if sets > MAX_PARAM_SETS:
        raise SpecError(f"the varied values make {sets} parameter sets; at most {MAX_PARAM_SETS}: vary fewer values")
    param_sets = _combine(base, {k: [_unhashable(x) for x in v] for k, v in vary.items()}, combine)
    for params in param_sets:
        check_parameters(params)
    return ExpandedSpec(
        name=str(spec.get("name") or "").strip() or "task", clip_ids=_id_list(spec, "clip_ids"),
        text_ids=_id_list(spec, "text_ids"), param_sets=param_sets, varied=list(vary),
    )


def _combine(base: dict, vary: dict, combine: str) -> list[dict]:
    if not vary:
        return [dict(base)]
    if combine == "grid":
        names = list(vary)
        return [{**base, **dict(zip(names, combo))} for combo in itertools.product(*vary.values())]
    sets, seen = [], set()
    for name, values in vary.items():
        for value in values:
            params = {**base, name: value}
            key = json.dumps(params, sort_keys=True)
            if key not in seen:  # a base value listed under two parameters is one set
                seen.add(key)
                sets.append(params)
    return sets


def _hashable(value):
    return tuple(value) if isinstance(value, list) else value


def _unhashable(value):
    return list(value) if isinstance(value, tuple) else value
