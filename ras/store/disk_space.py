"""A full disk under the roles folder: recognised wherever it shows up, reported in plain words."""
from __future__ import annotations

import errno
import shutil
from pathlib import Path

from ras.errors import RasError

# What SQLite (through any wrapper) and a worker process's error text say when the disk is full.
_FULL_TEXTS = ("database or disk is full", "no space left on device")


class DiskFull(RasError, OSError):
    """No space left where RAS must write; the message names the folder (the user frees space)."""


def is_disk_full(exc: BaseException) -> bool:
    seen = 0
    while exc is not None and seen < 10:  # the cause chain: wrappers keep the original as __cause__
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if any(text in str(exc).lower() for text in _FULL_TEXTS):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def disk_full(folder: Path, what: str, then: str = "free some space there and try again") -> DiskFull:
    error = DiskFull(f"disk full: no space left in {folder} while {what}; {then}")
    error.errno = errno.ENOSPC
    return error


def free_bytes(folder: Path) -> int:
    return shutil.disk_usage(folder).free
