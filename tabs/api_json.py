"""Typed service results -> the JSON the public API documents, in one place.

Services return frozen dataclasses; their field names are the API's keys. A field whose JSON key cannot
be a Python name (e.g. "del") names it in its metadata: `field(metadata={"json": "del"})`; a field only the
page uses is left out with `metadata={"json": None}`. Paths become strings, datetimes ISO text."""
from __future__ import annotations

import dataclasses
import enum
from datetime import date, datetime
from pathlib import Path
from typing import Any


def to_json(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        found = {}
        for field in dataclasses.fields(value):
            key = field.metadata.get("json", field.name)
            if key is not None:
                found[key] = to_json(getattr(value, field.name))
        return found
    if isinstance(value, dict):
        return {str(to_json(key)): to_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_json(item) for item in value]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value
