"""Import a 10,000-line .list of short generated wavs into a fresh role; print time and clips/s."""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ras.library import (
    importer,
    roles,
)
from ras.store.workspace import Workspace

LINES = 10_000
TARGET_S = 5.0


def make_dataset(folder: Path, count: int) -> Path:
    rng = np.random.default_rng(0)
    lines = []
    for i in range(count):
        path = folder / f"clip_{i:05d}.wav"
        soundfile.write(str(path), (rng.normal(0, 0.1, 3200)).astype(np.float32), 16000)  # 0.2 s, unique
        lines.append(f"{path}|speaker|ZH|第{i}句测试文本\n")
    listing = folder / "big.list"
    listing.write_text("".join(lines), encoding="utf-8")
    return listing


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        listing = make_dataset(tmp_path, LINES)
        ws = Workspace(tmp_path / "roles")
        roles.create_role(ws=ws, category="bench", name="import")
        start = time.perf_counter()
        report = importer.import_list(ws=ws, role="bench-import", list_path=listing)
        elapsed = time.perf_counter() - start
        assert report.imported == LINES, report
        print(f"copied {report.imported} clips into the role folder")
        print(f"import_list: {LINES} lines in {elapsed:.1f} s, {LINES / elapsed:.0f} clips/s "
              f"(target <= {TARGET_S:.0f} s)")


if __name__ == "__main__":
    main()
