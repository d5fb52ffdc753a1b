"""Plain row dicts for bulk inserts, filled with the table class's own defaults.

A bulk `insert(Model)` skips the class's defaults (they live in Python, not in the
schema), and building thousands of ORM objects costs seconds; these dicts keep one
source for the defaults at the speed of a dict.
"""
from __future__ import annotations

import functools

from pydantic_core import PydanticUndefined
from sqlmodel import SQLModel


@functools.cache
def _defaults(model: type[SQLModel]) -> tuple[dict, dict]:
    """(fixed defaults, default factories) of every field that is not an autoincrement key."""
    fixed, factories = {}, {}
    for name, field in model.model_fields.items():
        if name == "id":
            continue
        if field.default_factory is not None:
            factories[name] = field.default_factory
        elif field.default is not PydanticUndefined:
            fixed[name] = field.default
    return fixed, factories


def new_row(model: type[SQLModel], **values) -> dict:
    """A row of `model` for a bulk insert: the given values over the class's defaults."""
    fixed, factories = _defaults(model)
    row = {**fixed, **{name: make() for name, make in factories.items() if name not in values}}
    row.update(values)
    return row
