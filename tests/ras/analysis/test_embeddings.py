"""The per-role embedding cache: each clip is embedded once per encoder; a missing or unreadable file is
skipped with its reason, not fatal."""
from __future__ import annotations

import pytest

from ras.analysis.embeddings import compute_embeddings
from ras.library import roles
from ras.store.workspace import Workspace
from tests.fixtures.fake_voices import FakeEncoder, fake_role

ROLE = "测试-声纹"


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace(tmp_path / "roles")
    roles.create_role(ws=workspace, category="测试", name="声纹")
    yield workspace
    workspace.close()


def test_cache_skips_missing_and_unreadable_files(ws, tmp_path):
    fake_role(ws, ROLE, tmp_path)
    (tmp_path / "c4.wav").unlink()
    (tmp_path / "c5.wav").write_bytes(b"garbage")
    encoder, progress = FakeEncoder(), []
    run = compute_embeddings(ws=ws, role=ROLE, encoder=encoder,
                             progress=lambda done, total: progress.append((done, total)))
    assert run.stored == 7
    assert [s.id for s in run.skipped] == [5, 6] and "missing" in run.skipped[0].reason
    assert progress[-1] == (8, 8)  # the missing file is not counted as work
    encoder.embedded.clear()
    assert compute_embeddings(ws=ws, role=ROLE, encoder=encoder).stored == 0
    assert len(encoder.embedded) == 1  # only the unreadable one is retried; the missing one is not readable
