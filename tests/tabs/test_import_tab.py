"""The import tab's handler: a .list becomes clips, the summary counts them, bad lines are listed and the
roles tab's clip count follows."""
import gradio as gr
import pytest

from ras.library import roles
from tabs import importing
from tests.fixtures.app import write_tone
from tests.fixtures.ui import through_page

ROLE = "女性-导入"


@pytest.fixture
def view(ui_ctx):
    roles.create_role(ws=ui_ctx.ws, category="女性", name="导入")
    with gr.Blocks():
        return importing.ImportView(importing.build(ui_ctx), gr.Dataframe())


def test_an_import_counts_clips_names_bad_lines_and_updates_the_roles_table(ui_ctx, view, tmp_path):
    for i in range(3):
        write_tone(tmp_path / f"a{i}.wav", 4.0, seed=i)
    listing = tmp_path / "a.list"
    listing.write_text("".join(f"a{i}.wav|spk|zh|第{i}句话\n" for i in range(3)) + "gone.wav|spk|zh|没有\n",
                       encoding="utf-8")
    answer = importing.run(ui_ctx, view, role=ROLE, upload=None, server_path=str(listing), copy_audio=True)
    assert "导入 3 · 重复跳过 0 · 错误行 1" in answer[view.tab.summary]
    assert answer[view.tab.errors][0][0] == 4 and "gone.wav" in answer[view.tab.errors][0][1]
    assert answer[view.roles_table] == [[ROLE, 3]]

    again = importing.run(ui_ctx, view, role=ROLE, upload=None, server_path=str(listing), copy_audio=True)
    assert "重复跳过 3" in again[view.tab.summary] and "该文件已导入过" not in again[view.tab.summary]


def test_an_import_without_a_file_or_role_says_what_is_missing(ui_ctx, view, tmp_path):
    with pytest.raises(gr.Error, match="请上传 .list 文件或填写路径"):
        importing.run(ui_ctx, view, role=ROLE, upload=None, server_path=" ", copy_audio=True)
    with pytest.raises(gr.Error, match="请先选择角色"):
        importing.run(ui_ctx, view, role=None, upload=None, server_path="x.list", copy_audio=True)
    (tmp_path / "empty.list").write_text("\n", encoding="utf-8")
    with pytest.raises(gr.Error) as failed:
        through_page(ui_ctx, importing.run, view, role=ROLE, upload=None, server_path=str(tmp_path / "empty.list"),
                     copy_audio=True)
    assert failed.value.message.startswith("导入失败: .list file 'empty.list' is empty")


def test_an_import_of_a_tagged_list_names_the_emotions_it_found(ui_ctx, view, tmp_path):
    for i, name in enumerate(("【开心】a.wav", "[sad] b.wav", "开心/c.wav", "d.wav")):
        write_tone(tmp_path / name, 4.0, seed=i)
    listing = tmp_path / "tagged.list"
    listing.write_text("".join(f"{name}|spk|zh|第{i}句话\n" for i, name in
                               enumerate(("【开心】a.wav", "[sad] b.wav", "开心/c.wav", "d.wav"))), encoding="utf-8")
    answer = importing.run(ui_ctx, view, role=ROLE, upload=None, server_path=str(listing), copy_audio=True)
    assert "导入 4" in answer[view.tab.summary]
    assert "文件名/文件夹中的情感标签: 开心 2 · 难过 1" in answer[view.tab.summary]
