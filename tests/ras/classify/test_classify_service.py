"""Classify service on a temporary role: groups, names, similarity, the map."""
from __future__ import annotations

import pytest

from ras.analysis import embeddings
from ras.classify import groups as classify
from ras.errors import Conflict, InputError, NotFound
from ras.library import clips, importer, roles
from ras.store.workspace import Workspace
from tests.fixtures import speech
from tests.fixtures.fake_voices import FakeEncoder, fake_role

needs_speech = pytest.mark.skipif(not speech.tools_available(), reason="needs espeak-ng and sox")


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
    return {c.id: c.speaker for c in clips.list_clips(ws=ws, role="测试-分类").clips}


@pytest.fixture(scope="module")
def encoder():
    from ras.settings import Settings

    return embeddings.default_encoder(Settings())


@needs_speech
def test_three_voices_three_groups_by_count_and_threshold(ws, tmp_path, encoder):
    voice_of = import_voices(ws, tmp_path)
    progress = []
    assert embeddings.compute_embeddings(ws=ws, role="测试-分类", encoder=encoder,
                                         progress=lambda d, t: progress.append((d, t))).stored == 18
    assert progress[-1] == (18, 18)
    assert embeddings.compute_embeddings(ws=ws, role="测试-分类", encoder=encoder).stored == 0  # cached

    for kwargs in ({"n_groups": 3}, {"threshold": 0.15}):
        groups = classify.classify(ws=ws, role="测试-分类", encoder=encoder, **kwargs).groups
        assert len(groups) == 3, kwargs
        assert sorted(len({voice_of[c] for c in g.clip_ids}) for g in groups) == [1, 1, 1]
        assert {g.group for g in groups} == {"组1", "组2", "组3"}
        assert all(g.representative in g.clip_ids and 3 < g.mean_duration < 6 for g in groups)

    first = next(iter(voice_of))
    ranked = classify.similar_clips(ws=ws, role="测试-分类", clip_id=first, limit=18)
    assert ranked[0].id == first and ranked[0].similarity == pytest.approx(1, abs=1e-3)
    assert {voice_of[r.id] for r in ranked[:6]} == {voice_of[first]}  # same voice ranks first

    points = classify.map_points(ws=ws, role="测试-分类")
    assert len(points) == 18 and {p.group for p in points} == {"组1", "组2", "组3"}


def test_groups_renamed_moved_and_names_survive_reclustering(ws, tmp_path):
    fake_role(ws, "测试-分类", tmp_path)
    groups = classify.classify(ws=ws, role="测试-分类", n_groups=3, encoder=FakeEncoder()).groups
    assert sorted(g.count for g in groups) == [3, 3, 3]
    calm = groups[0]
    classify.rename_group(ws=ws, role="测试-分类", group_id=calm.id, name="平静")
    with pytest.raises(InputError, match="already exists"):
        classify.rename_group(ws=ws, role="测试-分类", group_id=groups[1].id, name="平静")
    moved = calm.clip_ids[0]
    assert classify.move_clips(ws=ws, role="测试-分类", clip_ids=[moved], group_id=groups[1].id) == 1
    listed = {g.group: g for g in classify.list_groups(ws=ws, role="测试-分类")}
    assert listed["平静"].count == 2 and moved in listed[groups[1].group].clip_ids
    with pytest.raises(NotFound, match=r"\[999\] not found"):
        classify.move_clips(ws=ws, role="测试-分类", clip_ids=[999], group_id=None)
    new_id = classify.create_group(ws=ws, role="测试-分类", name="激动")
    classify.move_clips(ws=ws, role="测试-分类", clip_ids=[moved], group_id=new_id)

    again = classify.classify(ws=ws, role="测试-分类", threshold=0.5, encoder_name="fake").groups
    names = sorted(g.group for g in again)
    assert "平静" in names and len(names) == 3  # the renamed group keeps its name
    assert all(c.group for c in clips.list_clips(ws=ws, role="测试-分类").clips)


def test_classify_without_embeddings_is_a_clear_error(ws):
    with pytest.raises(Conflict, match="compute the embeddings first"):
        classify.classify(ws=ws, role="测试-分类", n_groups=2)
    with pytest.raises(InputError, match="either"):
        classify.classify(ws=ws, role="测试-分类")
