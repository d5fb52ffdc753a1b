"""A reason: why screening flagged a clip, why a ranking row sits where it does, why a search stopped.

A reason is a stable code, the numbers it rests on, and an English line. The API gives the
"code: line" strings it always has; a page builds its own words from the code and the numbers
(and shows the line when a newer code has no words yet). Rows stored before the numbers were
kept read back with the code and line alone.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Reason:
    code: str
    detail: str = ""  # the English line after the code
    values: dict[str, Any] = field(default_factory=dict, compare=False)  # the numbers (and ids) behind it

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}" if self.detail else self.code

    @classmethod
    def parse(cls, text: str, values: dict | None = None) -> Reason:
        """A stored "code: line" string (and its numbers, when they were stored)."""
        code, _, detail = text.partition(":")
        return cls(code.strip(), detail.strip(), dict(values or {}))


def stored_reasons(reasons) -> dict:
    """The JSON a row keeps of its reasons: the API's lines and, beside them, their numbers."""
    reasons = list(reasons)
    return {"reasons": [str(r) for r in reasons], "values": [r.values for r in reasons]}


def read_reasons(row: dict) -> tuple[Reason, ...]:
    """A stored row's reasons (see `stored_reasons`)."""
    values = row.get("values") or []
    return tuple(Reason.parse(text, values[i] if i < len(values) else None)
                 for i, text in enumerate(row.get("reasons") or []))
