"""Which GPT-SoVITS code a root holds, read from files only (no git, no import of GPT-SoVITS).

Upstream changes results between versions (default parameters, decoding), so
tasks record this string and warn when it changes under them.
A checkout gives "git <commit12> (<branch>)"; an integration package its
version file; the PyPI build its dist-info version; None when nothing says.
"""
from __future__ import annotations

import re
from pathlib import Path

VERSION_FILES = ("version.txt", "VERSION", "version", "GPT_SoVITS/version.txt")
SHA = re.compile(r"^[0-9a-f]{40}$")


def code_version(root: str | Path | None, code_root: str | Path | None = None) -> str | None:
    if root is None:
        return None
    root = Path(root)
    return (_git_version(root) or _file_version(root)
            or (_dist_info_version(Path(code_root)) if code_root else None))


def _git_dir(root: Path) -> Path | None:
    dot_git = root / ".git"
    if dot_git.is_dir():
        return dot_git
    if dot_git.is_file():  # a worktree or submodule: "gitdir: <path>"
        text = dot_git.read_text(encoding="utf-8", errors="replace").strip()
        if text.startswith("gitdir:"):
            target = Path(text.removeprefix("gitdir:").strip())
            return target if target.is_absolute() else (root / target).resolve()
    return None


def _git_version(root: Path) -> str | None:
    git_dir = _git_dir(root)
    if git_dir is None or not (git_dir / "HEAD").is_file():
        return None
    head = (git_dir / "HEAD").read_text(encoding="utf-8", errors="replace").strip()
    if SHA.match(head):
        return f"git {head[:12]} (detached)"
    ref = head.removeprefix("ref:").strip()
    commit = _resolve_ref(git_dir, ref)
    branch = ref.removeprefix("refs/heads/")
    return f"git {commit[:12]} ({branch})" if commit else f"git ({branch}, no commit yet)"


def _resolve_ref(git_dir: Path, ref: str) -> str | None:
    # a worktree keeps HEAD but shares refs with the main repository
    common = git_dir / "commondir"
    places = [git_dir]
    if common.is_file():
        places.append((git_dir / common.read_text(encoding="utf-8").strip()).resolve())
    for place in places:
        loose = place / ref
        if loose.is_file():
            value = loose.read_text(encoding="utf-8", errors="replace").strip()
            if SHA.match(value):
                return value
        packed = place / "packed-refs"
        if packed.is_file():
            for line in packed.read_text(encoding="utf-8", errors="replace").splitlines():
                parts = line.split()
                if len(parts) == 2 and parts[1] == ref and SHA.match(parts[0]):
                    return parts[0]
    return None


def _file_version(root: Path) -> str | None:
    for name in VERSION_FILES:
        file = root / name
        if file.is_file():
            text = file.read_text(encoding="utf-8", errors="replace").strip().splitlines()
            if text and text[0].strip():
                return text[0].strip()[:80]
    return None


def _dist_info_version(code_root: Path) -> str | None:
    for info in sorted(code_root.glob("*.dist-info")):
        metadata = info / "METADATA"
        if metadata.is_file():
            fields = dict(re.findall(r"^(Name|Version): (.+)$", metadata.read_text(errors="replace"), re.M))
            if "gpt" in fields.get("Name", "").lower() and "sovits" in fields.get("Name", "").lower():
                return f"{fields['Name']} {fields.get('Version', '?')}"
    return None
