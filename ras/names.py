"""Role names become folder names on Windows and Linux, so they follow both rules."""
from __future__ import annotations

import re

from ras.errors import InputError

MAX_LENGTH = 100
ILLEGAL_CHARACTERS = '<>:"/\\|?*'
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Invisible direction marks make a folder name display as something else (U+202E turns
# "abc-exe.wav" around); they have no place in a name a person reads.
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


class InvalidRoleName(InputError):
    """The name cannot be a folder name; the message says which rule it breaks."""


def validate_part(value: str, what: str) -> str:
    """Check one name (a role, its category or its short name); return it unchanged."""
    if not isinstance(value, str) or not value:
        raise InvalidRoleName(f"{what} is empty")
    if value != value.strip():
        raise InvalidRoleName(f"{what} {value!r} starts or ends with a space")
    if value.startswith(".") or value.endswith("."):
        raise InvalidRoleName(f"{what} {value!r} starts or ends with a dot ('..' and hidden folders are not allowed)")
    bad = sorted({c for c in value if c in ILLEGAL_CHARACTERS})
    if bad:
        raise InvalidRoleName(f"{what} {value!r} contains {' '.join(bad)}, not allowed in folder names (<>:\"/\\|?*)")
    if _CONTROL.search(value):
        raise InvalidRoleName(f"{what} {value!r} contains control characters")
    if _BIDI.search(value):
        raise InvalidRoleName(f"{what} {value!r} contains invisible text-direction characters; type the name anew")
    if ".." in value:
        raise InvalidRoleName(f"{what} {value!r} contains '..'")
    if value.split(".")[0].upper() in _RESERVED:
        raise InvalidRoleName(f"{what} {value!r} is a reserved device name on Windows (CON, NUL, COM1...)")
    if len(value) > MAX_LENGTH:
        raise InvalidRoleName(f"{what} is {len(value)} characters long; at most {MAX_LENGTH}")
    return value


def validate_role_name(role: str) -> str:
    return validate_part(role, "role name")


def make_role_name(category: str, name: str) -> str:
    """`男性` + `张三` -> `男性-张三`."""
    validate_part(category, "category")
    validate_part(name, "name")
    return validate_role_name(f"{category}-{name}")
