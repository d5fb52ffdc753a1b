"""Emotion tags on a role's clips from real GPT-SoVITS import lists (file names, folder names), from a classify
group's name and from a person; the clip browser's filter and counts read them."""
import pytest

from ras.classify import groups
from ras.errors import InputError
from ras.library import clips, emotion_tags, importer, roles
from ras.store.workspace import Workspace
from tests.fixtures.emotion_role import build_emotion_role


@pytest.fixture(scope="module")
def emotion_role(tmp_path_factory):
    return build_emotion_role(tmp_path_factory.mktemp("emotion_role"))


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace(tmp_path / "roles")
    roles.create_role(ws=workspace, category="情感", name="测试")
    yield workspace
    workspace.close()


ROLE = "情感-测试"


@pytest.mark.parametrize("style", ["tag_zh", "tag_en", "folders"])
def test_an_import_list_in_each_naming_style_tags_every_clip_with_its_emotion(ws, emotion_role, style):
    report = importer.import_list(ws=ws, role=ROLE, list_path=emotion_role.lists[style])
    assert report.imported == 30 and report.emotions == {"neutral": 10, "happy": 10, "sad": 10}
    rows = clips.list_clips(ws=ws, role=ROLE).clips
    assert all(r.emotion == emotion_role.truth[r.text][0] for r in rows)
    assert {r.emotion_source for r in rows} == {"folder" if style == "folders" else "name"}
    assert {r.emotion_confidence for r in rows} == {1.0}


def test_an_untagged_list_tags_nothing_and_a_tagged_list_of_the_same_clips_tags_them(ws, emotion_role):
    untagged = importer.import_list(ws=ws, role=ROLE, list_path=emotion_role.lists["untagged"])
    assert untagged.imported == 30 and untagged.emotions == {} and untagged.retagged == 0
    assert emotion_tags.emotion_counts(ws=ws, role=ROLE) == [emotion_tags.EmotionCount("", 30)]
    first = clips.list_clips(ws=ws, role=ROLE).clips[0]
    emotion_tags.set_clip_emotion(ws=ws, role=ROLE, clip_ids=[first.id], emotion="生气")  # a person's, though wrong
    tagged = importer.import_list(ws=ws, role=ROLE, list_path=emotion_role.lists["tag_zh"])
    assert tagged.imported == 0 and tagged.duplicates == 30 and tagged.retagged == 29
    rows = {r.id: r for r in clips.list_clips(ws=ws, role=ROLE).clips}
    assert rows[first.id].emotion == "angry" and rows[first.id].emotion_source == "person"
    assert all(r.emotion == emotion_role.truth[r.text][0] for i, r in rows.items() if i != first.id)


def test_the_filter_and_the_counts_follow_tags_and_a_person_can_clear_one(ws, emotion_role):
    importer.import_list(ws=ws, role=ROLE, list_path=emotion_role.lists["tag_en"])
    sad = clips.list_clips(ws=ws, role=ROLE, flt=clips.ClipFilter(emotion="sad"))
    assert sad.total == 10 and {emotion_role.truth[c.text][0] for c in sad.clips} == {"sad"}
    cleared = emotion_tags.set_clip_emotion(ws=ws, role=ROLE, clip_ids=[sad.clips[0].id, sad.clips[1].id],
                                            emotion="")
    assert [(c.emotion, c.emotion_source) for c in cleared] == [("", "person")] * 2
    assert clips.list_clips(ws=ws, role=ROLE, flt=clips.ClipFilter(emotion="")).total == 2
    counts = {c.emotion: c.count for c in emotion_tags.emotion_counts(ws=ws, role=ROLE)}
    assert counts == {"neutral": 10, "happy": 10, "sad": 8, "": 2}
    with pytest.raises(Exception, match=r"clip\(s\) \[999\] not found"):
        emotion_tags.set_clip_emotion(ws=ws, role=ROLE, clip_ids=[999], emotion="happy")


def test_a_named_group_tags_its_clips_but_not_the_ones_a_person_tagged(ws, emotion_role):
    importer.import_list(ws=ws, role=ROLE, list_path=emotion_role.lists["untagged"])
    ids = [c.id for c in clips.list_clips(ws=ws, role=ROLE).clips]
    group_id = groups.create_group(ws=ws, role=ROLE, name="组1")
    groups.move_clips(ws=ws, role=ROLE, clip_ids=ids[:5], group_id=group_id)
    with pytest.raises(InputError, match="rename it"):
        emotion_tags.tag_group(ws=ws, role=ROLE, group_id=group_id)
    groups.rename_group(ws=ws, role=ROLE, group_id=group_id, name="激动")
    emotion_tags.set_clip_emotion(ws=ws, role=ROLE, clip_ids=[ids[0]], emotion="平静")
    done = emotion_tags.tag_group(ws=ws, role=ROLE, group_id=group_id)
    assert (done.emotion, done.tagged, done.kept) == ("激动", 4, 1)
    rows = {c.id: c for c in clips.list_clips(ws=ws, role=ROLE).clips}
    assert rows[ids[0]].emotion == "neutral" and {rows[i].emotion_source for i in ids[1:5]} == {"group"}
    assert rows[ids[5]].emotion == ""
