"""Classify service on a temporary role: embedding cache, groups, names, similarity, the map."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ras.classify import groups as classify
from ras.library import clips, importer, roles
from ras.store.workspace import Workspace
from tests.fixtures import speech

needs_speech = pytest.mark.skipif(not speech.tools_available(), reason="needs espeak-ng and sox")


class FakeEncoder:
    """Vectors from the file name's voice prefix: f2 / m3 / m7 point different ways."""

    name = "fake"

    def __init__(self):
        self.embedded: list[str] = []

    def embed_files(self, paths, batch=16, progress=None, *, on_error="raise"):
        rows = []
        for path in paths:
            self.embedded.append(str(path))
            data = Path(path).read_bytes()
            if not data.startswith(b"RIFF"):
                rows.append(np.full(3, np.nan))
                continue
            axis = int(data[-1]) % 3  # the importer renames files, so derive the voice from the content
            rows.append(np.eye(3)[axis] + 0.01 * (len(data) % 7))
        return np.asarray(rows, dtype=np.float32)


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace(tmp_path / "roles")
    roles.create_role(ws=workspace, category="测试", name="分类")
    yield workspace
    workspace.close()


def import_voices(ws, tmp_path) -> dict[int, str]:
    """Import every espeak clip; returns {clip id: voice}."""
    by_voice = speech.voice_clips()
    listing = tmp_path / "voices.list"
    listing.write_text("".join(f"{p}|{voice}|en|sentence {i}\n" for voice, paths in by_voice.items()
                               for i, p in enumerate(paths)), encoding="utf-8")
    report = importer.import_list(ws=ws, role="测试-分类", list_path=listing)
    assert report.imported == 18, report.errors
    _, found = clips.list_clips(ws=ws, role="测试-分类")
    return {c["id"]: c["speaker"] for c in found}


@pytest.fixture(scope="module")
def encoder():
    from ras.settings import Settings

    return classify.default_encoder(Settings())


@needs_speech
def test_three_voices_three_groups_by_count_and_threshold(ws, tmp_path, encoder):
    voice_of = import_voices(ws, tmp_path)
    progress = []
    assert classify.compute_embeddings(ws=ws, role="测试-分类", encoder=encoder,
                                       progress=lambda d, t: progress.append((d, t))) == 18
    assert progress[-1] == (18, 18)
    assert classify.compute_embeddings(ws=ws, role="测试-分类", encoder=encoder) == 0  # cached

    for kwargs in ({"n_groups": 3}, {"threshold": 0.15}):
        groups = classify.classify(ws=ws, role="测试-分类", encoder=encoder, **kwargs)["groups"]
        assert len(groups) == 3, kwargs
        assert sorted(len({voice_of[c] for c in g["clip_ids"]}) for g in groups) == [1, 1, 1]
        assert {g["group"] for g in groups} == {"组1", "组2", "组3"}
        assert all(g["representative"] in g["clip_ids"] and 3 < g["mean_duration"] < 6 for g in groups)

    first = next(iter(voice_of))
    ranked = classify.similar_clips(ws=ws, role="测试-分类", clip_id=first, limit=18)
    assert ranked[0]["id"] == first and ranked[0]["similarity"] == pytest.approx(1, abs=1e-3)
    assert {voice_of[r["id"]] for r in ranked[:6]} == {voice_of[first]}  # same voice ranks first

    points = classify.map_points(ws=ws, role="测试-分类")
    assert len(points) == 18 and {p["group"] for p in points} == {"组1", "组2", "组3"}


def fake_role(ws, tmp_path, count=9):
    rows = []
    for i in range(count):
        path = tmp_path / f"c{i}.wav"
        path.write_bytes(b"RIFF" + bytes(40 + i) + bytes([i]))  # last byte picks the fake voice
        rows.append(f"{path}|spk{i % 3}|zh|文本{i}\n")
    listing = tmp_path / "fake.list"
    listing.write_text("".join(rows), encoding="utf-8")
    from ras.store.role_tables import Clip

    with ws.role_session("测试-分类") as session:  # files are not real audio: insert rows directly
        for i in range(count):
            session.add(Clip(audio=str(tmp_path / f"c{i}.wav"), speaker=f"spk{i % 3}", text=f"文本{i}",
                             duration=3.0 + i, content_hash=f"h{i}"))
        session.commit()


def test_cache_skips_missing_and_unreadable_files(ws, tmp_path):
    fake_role(ws, tmp_path)
    (tmp_path / "c4.wav").unlink()
    (tmp_path / "c5.wav").write_bytes(b"garbage")
    encoder, skipped = FakeEncoder(), []
    assert classify.compute_embeddings(ws=ws, role="测试-分类", encoder=encoder, skipped=skipped) == 7
    assert [s["id"] for s in skipped] == [5, 6] and "missing" in skipped[0]["reason"]
    encoder.embedded.clear()
    assert classify.compute_embeddings(ws=ws, role="测试-分类", encoder=encoder) == 0
    assert len(encoder.embedded) == 1  # only the unreadable one is retried; the missing one is not readable


def test_groups_renamed_moved_and_names_survive_reclustering(ws, tmp_path):
    fake_role(ws, tmp_path)
    groups = classify.classify(ws=ws, role="测试-分类", n_groups=3, encoder=FakeEncoder())["groups"]
    assert sorted(g["count"] for g in groups) == [3, 3, 3]
    calm = groups[0]
    classify.rename_group(ws=ws, role="测试-分类", group_id=calm["id"], name="平静")
    with pytest.raises(ValueError, match="already exists"):
        classify.rename_group(ws=ws, role="测试-分类", group_id=groups[1]["id"], name="平静")
    moved = calm["clip_ids"][0]
    assert classify.move_clips(ws=ws, role="测试-分类", clip_ids=[moved], group_id=groups[1]["id"]) == 1
    listed = {g["group"]: g for g in classify.list_groups(ws=ws, role="测试-分类")}
    assert listed["平静"]["count"] == 2 and moved in listed[groups[1]["group"]]["clip_ids"]
    with pytest.raises(LookupError):
        classify.move_clips(ws=ws, role="测试-分类", clip_ids=[999], group_id=None)
    new_id = classify.create_group(ws=ws, role="测试-分类", name="激动")
    classify.move_clips(ws=ws, role="测试-分类", clip_ids=[moved], group_id=new_id)

    again = classify.classify(ws=ws, role="测试-分类", threshold=0.5, encoder_name="fake")["groups"]
    names = sorted(g["group"] for g in again)
    assert "平静" in names and len(names) == 3  # the renamed group keeps its name
    _, found = clips.list_clips(ws=ws, role="测试-分类")
    assert all(c["group"] for c in found)


def test_classify_without_embeddings_is_a_clear_error(ws):
    with pytest.raises(ValueError, match="compute the embeddings first"):
        classify.classify(ws=ws, role="测试-分类", n_groups=2)
    with pytest.raises(ValueError, match="either"):
        classify.classify(ws=ws, role="测试-分类")
