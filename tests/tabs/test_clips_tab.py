"""The clip browser's handlers: a filtered page of clips, a picked clip in the editor, a saved calibration
shown in the table."""
import gradio as gr
import pandas as pd
import pytest

from ras.library import importer, roles
from tabs import clips as clips_tab
from tests.fixtures.app import write_tone
from tests.fixtures.ui import build_tab, through_page

ROLE = "男性-浏览"
NO_FILTER = {"contains": "", "min_duration": 0, "max_duration": 0, "validity": "all", "sort": "id", "page": 1,
             "page_size": 50}


@pytest.fixture
def tab(ui_ctx, tmp_path):
    roles.create_role(ws=ui_ctx.ws, category="男性", name="浏览")
    for i, seconds in enumerate((2.0, 4.0, 6.0)):
        write_tone(tmp_path / f"c{i}.wav", seconds, seed=i)
    (tmp_path / "c.list").write_text("".join(f"c{i}.wav|spk|zh|第{i}句\n" for i in range(3)), encoding="utf-8")
    importer.import_list(ws=ui_ctx.ws, role=ROLE, list_path=tmp_path / "c.list")
    return build_tab(clips_tab, ui_ctx)


def test_the_filter_narrows_the_table_and_the_summary_counts_it(ui_ctx, tab):
    every = clips_tab.search(ui_ctx, tab, role=ROLE, **NO_FILTER)
    assert [row[0] for row in every[tab.table]] == [1, 2, 3] and every[tab.summary] == "共 3 条"
    assert [row[5] for row in every[tab.table]] == ["✘", "✔", "✔"]  # 2 s is shorter than a reference may be
    longer = clips_tab.search(ui_ctx, tab, role=ROLE, **{**NO_FILTER, "min_duration": 3, "validity": "valid",
                                                         "sort": "-duration"})
    assert [row[0] for row in longer[tab.table]] == [3, 2] and longer[tab.summary] == "共 2 条"
    assert clips_tab.search(ui_ctx, tab, role=None, **NO_FILTER)[tab.summary] == "请先选择角色"


def test_a_picked_clip_is_edited_and_the_table_shows_the_change(ui_ctx, tab):
    table = pd.DataFrame(clips_tab.search(ui_ctx, tab, role=ROLE, **NO_FILTER)[tab.table])
    picked = clips_tab.pick(ui_ctx, tab, role=ROLE, table=table, evt=gr.SelectData(None, {"index": [1, 1],
                                                                                          "value": ""}))
    assert picked[tab.clip_id] == 2 and picked[tab.text] == "第1句" and picked[tab.audio].endswith(".wav")
    saved = clips_tab.save(ui_ctx, tab, role=ROLE, clip_id=2, text="改过的句子", lang="zh", valid=False,
                           **NO_FILTER)
    assert saved[tab.table][1][1:2] == ["改过的句子"] and saved[tab.table][1][5] == "✘"


def test_saving_an_implausible_transcript_names_the_clip(ui_ctx, tab):
    with pytest.raises(gr.Error) as failed:
        through_page(ui_ctx, clips_tab.save, tab, role=ROLE, clip_id=2, text="字" * 500, lang="zh", valid=True,
                     **NO_FILTER)
    assert failed.value.message.startswith("保存失败: ") and "clip 2" in failed.value.message
    with pytest.raises(gr.Error, match="请先在表格中选择一条音频"):
        clips_tab.save(ui_ctx, tab, role=ROLE, clip_id=None, text="x", lang="zh", valid=True, **NO_FILTER)
