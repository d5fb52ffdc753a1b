"""Which files on this machine a request may name.

Used locally, RAS takes any path, as GPT-SoVITS's own tools do. Behind a shared link,
whoever holds the link must not read the host's files: a path in a request then has
to lie inside a folder the host already exposes (the roles folder, the upload folder,
the GPT-SoVITS folder and the weights folders), unless the host allows server paths.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

REFUSED_HINT = "upload the file instead, or start RAS with --allow-server-paths"


class ServerPathRefused(PermissionError):
    pass


def is_inside(path: Path, folder: Path) -> bool:
    try:
        Path(path).resolve().relative_to(Path(folder).resolve())
    except ValueError:
        return False
    return True


def check_path(path: Path, *, roots: Iterable[Path] | None, what: str) -> Path:
    """`path` itself when `roots` is None (server paths allowed) or when it lies inside one of them."""
    path = Path(path)
    if roots is None:
        return path
    roots = [Path(r) for r in roots if r]
    if any(is_inside(path, root) for root in roots):
        return path
    raise ServerPathRefused(f"{what} {str(path)[:200]!r} is outside the folders this shared RAS may read; "
                            f"{REFUSED_HINT}")
