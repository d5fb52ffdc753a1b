"""What the API answers is the typed result's fields, turned into JSON in one place."""
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from tabs.api_json import to_json


@dataclass(frozen=True)
class Ops:
    sub: int
    deleted: int = field(metadata={"json": "del"})
    page_only: str = field(default="", metadata={"json": None})


@dataclass(frozen=True)
class Row:
    audio: Path
    ops: Ops
    flags: tuple[str, ...]
    at: datetime
    by_lang: dict


def test_a_typed_result_becomes_the_documented_json():
    row = Row(Path("/r/a.wav"), Ops(1, 2, "x"), ("swallowed",), datetime(2026, 12, 6, tzinfo=UTC), {"zh": None})
    assert to_json([row]) == [{"audio": "/r/a.wav", "ops": {"sub": 1, "del": 2}, "flags": ["swallowed"],
                               "at": "2026-12-06T00:00:00+00:00", "by_lang": {"zh": None}}]
