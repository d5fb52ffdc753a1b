"""The classify tab's handlers on fake voices: embed, cluster, show a group, rename, move, rank by similarity."""
import gradio as gr
import pandas as pd
import pytest

from ras.analysis import embeddings
from ras.library import clips, roles
from tabs import classify as classify_tab
from tests.fixtures.fake_voices import FakeEncoder, fake_role
from tests.fixtures.ui import build_tab, through_page

ROLE = "测试-分组"


@pytest.fixture
def tab(ui_ctx, tmp_path, monkeypatch):
    roles.create_role(ws=ui_ctx.ws, category="测试", name="分组")
    fake_role(ui_ctx.ws, ROLE, tmp_path)
    monkeypatch.setattr(embeddings, "default_encoder", lambda settings: FakeEncoder())
    return build_tab(classify_tab, ui_ctx)


def progress(*args, **kwargs):
    """Stands in for the page's progress bar."""


def test_clusters_shown_with_the_first_group_open(ui_ctx, tab):
    embedded = classify_tab.embed(ui_ctx, tab, role=ROLE, progress=progress)
    assert embedded[tab.embed_status].startswith("✔ 新计算 9 条")
    answer = classify_tab.run(ui_ctx, tab, role=ROLE, mode="count", n_groups=3, threshold=0.15)
    assert answer[tab.run_status] == "✔ 3 个分组"
    assert [row[1] for row in answer[tab.groups]] == ["组1", "组2", "组3"]
    assert set(answer[tab.map]["group"]) == {"组1", "组2", "组3"}
    first = answer[tab.groups][0]
    assert answer[tab.group]["value"] == first[0]
    assert len(answer[tab.members]) == first[2] == len(answer[tab.group_clip_ids].split(", "))


def test_rename_move_and_similar_show_in_the_tables(ui_ctx, tab):
    classify_tab.run(ui_ctx, tab, role=ROLE, mode="count", n_groups=3, threshold=0.15)
    shown = classify_tab.refresh(ui_ctx, tab, role=ROLE, group=None)
    first, second = shown[tab.groups][0][0], shown[tab.groups][1][0]
    renamed = classify_tab.rename(ui_ctx, tab, role=ROLE, group=first, name="平静")
    assert renamed[tab.groups][0][1] == "平静" and renamed[tab.group]["value"] == first
    moved_clip = int(renamed[tab.group_clip_ids].split(", ")[0])
    moved = classify_tab.move(ui_ctx, tab, role=ROLE, clip_ids=str(moved_clip), target=second, group=first)
    assert moved[tab.groups][0][2] == 2 and moved_clip not in [row[0] for row in moved[tab.members]]

    members = pd.DataFrame(classify_tab.show_group(ui_ctx, tab, role=ROLE, group=second)[tab.members])
    picked = classify_tab.pick_member(ui_ctx, tab, role=ROLE, table=members,
                                      evt=gr.SelectData(None, {"index": [0, 0], "value": ""}))
    ranked = classify_tab.similar(ui_ctx, tab, role=ROLE, clip_id=picked[tab.clip_id], limit=5)[tab.similar_table]
    assert ranked[0][0] == picked[tab.clip_id] and ranked[0][1] == pytest.approx(1, abs=1e-3)


def test_clustering_before_embedding_says_what_to_do_first(ui_ctx, tab, monkeypatch):
    monkeypatch.setattr(embeddings, "default_encoder", lambda settings: None)  # nothing embeds on the way
    with pytest.raises(gr.Error) as failed:
        through_page(ui_ctx, classify_tab.run, tab, role=ROLE, mode="count", n_groups=3, threshold=0.15)
    assert failed.value.message.startswith("聚类失败: no clip embeddings yet: compute the embeddings first")
    with pytest.raises(gr.Error) as failed:
        through_page(ui_ctx, classify_tab.move, tab, role=ROLE, clip_ids="1, x", target=1, group=None)
    assert "clip ids must be whole numbers" in failed.value.message


def test_a_group_named_after_an_emotion_tags_its_clips(ui_ctx, tab):
    classify_tab.run(ui_ctx, tab, role=ROLE, mode="count", n_groups=3, threshold=0.15)
    first = classify_tab.refresh(ui_ctx, tab, role=ROLE, group=None)[tab.groups][0][0]
    with pytest.raises(gr.Error, match="rename it to the emotion"):
        through_page(ui_ctx, classify_tab.tag_emotion, tab, role=ROLE, group=first)
    renamed = classify_tab.rename(ui_ctx, tab, role=ROLE, group=first, name="开心")
    members = {int(c) for c in renamed[tab.group_clip_ids].split(", ")}
    classify_tab.tag_emotion(ui_ctx, tab, role=ROLE, group=first)
    tagged = {c.id: c.emotion for c in clips.list_clips(ws=ui_ctx.ws, role=ROLE).clips}
    assert {tagged[c] for c in members} == {"happy"} and set(tagged.values()) == {"happy", ""}
