"""What every inference backend offers, and the errors a caller can act on.

A supervisor decides from the exception type alone:
- SynthesisInputError: the request itself is wrong -> mark failed, no retry.
- EngineCrashed / EngineHung: the backend died or stalled -> restart, retry.
- EngineMisbehaving: the backend answered with something that is not a result ->
  give it no more jobs for a while; the job goes to another backend.
- EngineError (base, anything else at run time) -> retry a few times.
"""
from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from gsv_integration.request import SynthesisRequest, SynthesisResult


class EngineError(RuntimeError):
    """A synthesis failed for a reason inside the engine."""


class SynthesisInputError(EngineError):
    """The request cannot work as given (bad field, missing file, not a model)."""


class EngineCrashed(EngineError):
    """The engine process died or its connection was lost."""


class EngineHung(EngineError):
    """The engine gave no result (or no sign of life) within the timeout."""


class EngineMisbehaving(EngineError):
    """The engine answered, but with something that is not a result (e.g. bytes that are not audio)."""


def validated(request: SynthesisRequest) -> SynthesisRequest:
    """The request, checked before any engine work; a bad field is an input error (no retry)."""
    try:
        return request.validate()
    except ValueError as exc:
        raise SynthesisInputError(str(exc)) from exc


@runtime_checkable
class Engine(Protocol):
    name: str

    def start(self) -> None:
        """Make the engine ready (start a process, check a server)."""

    def synthesize(self, request: SynthesisRequest, out_path: str, *,
                   timeout: float | None = None) -> SynthesisResult:
        """Write one wav to out_path; raise an EngineError subclass on failure."""

    def close(self) -> None:
        """Release the engine; safe to call twice."""

    def capabilities(self) -> dict[str, Any]:
        """Versions and parameters the GPT-SoVITS behind it supports."""

    def list_weights(self) -> dict[str, list[dict[str, Any]]]:
        """{"gpt": [...], "sovits": [...], "invalid": [...]} as weights.list_weights."""
