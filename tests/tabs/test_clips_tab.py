"""The clip browser's handlers: a filtered page of clips, a picked clip in the editor, a saved calibration
shown in the table."""
import gradio as gr
import pandas as pd
import pytest

from i18n import I18nAuto
from ras.analysis.emotion_tagging import EmotionJob, EmotionTagger
from ras.library import importer, roles
from ras.metrics.asr_models import AsrSearch
from ras.metrics.emotion_model import find_emotion_model
from tabs import clips as clips_tab
from tests.fixtures.app import write_tone
from tests.fixtures.ui import build_tab, through_page

ROLE = "男性-浏览"
NO_FILTER = {"contains": "", "min_duration": 0, "max_duration": 0, "validity": "all", "emotion_filter": "*any*",
             "sort": "id", "page": 1, "page_size": 50}


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


def test_a_clip_is_tagged_in_the_editor_then_filtered_and_counted_by_emotion(ui_ctx, tab):
    saved = clips_tab.save(ui_ctx, tab, role=ROLE, clip_id=2, text="第1句", lang="zh", valid=True, emotion="开心",
                           **NO_FILTER)
    assert saved[tab.table][1][7] == "开心 · 人工" and saved[tab.table][0][7] == ""
    assert saved[tab.summary] == "共 3 条  \n情感: 开心 1 · 未标注 2"
    clips_tab.save(ui_ctx, tab, role=ROLE, clip_id=3, text="第2句", lang="zh", valid=True, emotion="撒娇",
                   **NO_FILTER)
    happy = clips_tab.search(ui_ctx, tab, role=ROLE, **{**NO_FILTER, "emotion_filter": "happy"})
    assert [row[0] for row in happy[tab.table]] == [2] and happy[tab.summary].startswith("共 1 条")
    untagged = clips_tab.search(ui_ctx, tab, role=ROLE, **{**NO_FILTER, "emotion_filter": clips_tab.UNTAGGED})
    assert [row[0] for row in untagged[tab.table]] == [1]
    offered = [code for _, code in untagged[tab.emotion_filter]["choices"]]
    assert offered[:2] == [clips_tab.ANY_EMOTION, "neutral"] and "撒娇" in offered  # the role's own emotion too
    table = pd.DataFrame(happy[tab.table])
    picked = clips_tab.pick(ui_ctx, tab, role=ROLE, table=table, evt=gr.SelectData(None, {"index": [0, 1],
                                                                                          "value": ""}))
    assert picked[tab.emotion] == "happy"
    cleared = clips_tab.save(ui_ctx, tab, role=ROLE, clip_id=2, text="第1句", lang="zh", valid=True,
                             emotion=clips_tab.UNTAGGED, **NO_FILTER)
    assert cleared[tab.table][1][7] == "" and "未标注 2" in cleared[tab.summary]


def test_an_english_page_shows_known_emotions_translated(ui_ctx, tab):
    clips_tab.save(ui_ctx, tab, role=ROLE, clip_id=1, text="第0句", lang="zh", valid=False, emotion="sad",
                   **NO_FILTER)
    ui_ctx.i18n = I18nAuto("en_US")
    shown = clips_tab.search(ui_ctx, tab, role=ROLE, **NO_FILTER)
    assert shown[tab.table][0][7] == "Sad · person" and "Emotion: Sad 1 · Untagged 2" in shown[tab.summary]


def test_tagging_with_the_model_says_where_a_model_goes_when_there_is_none(ui_ctx, tab, tmp_path):
    ui_ctx.emotion_tagger = EmotionTagger(ui_ctx.ws, lambda: find_emotion_model(
        AsrSearch(modelscope_roots=(tmp_path / "no-cache",))))
    with pytest.raises(gr.Error, match="情感标注失败: .*emotion2vec.*--emotion-model"):
        through_page(ui_ctx, clips_tab.tag_with_model, tab, role=ROLE)
    idle = clips_tab.poll_tagging(ui_ctx, tab, role=ROLE, **NO_FILTER)
    assert idle[tab.tag_timer]["active"] is False and len(idle[tab.table]) == 3


def test_the_job_line_counts_what_the_model_heard(ui_ctx):
    running = EmotionJob(role=ROLE, state="running", done=8, total=30, tagged=7, missing=1, model="iic/emotion2vec")
    assert clips_tab.job_line(ui_ctx.i18n, running) == \
        "情感标注中 · iic/emotion2vec · 已听 8/30 · 已标注 7 · ⚠ 1 个文件缺失"
    failed = EmotionJob(role=ROLE, state="failed", error="out of memory")
    assert clips_tab.job_line(ui_ctx.i18n, failed) == "✘ 情感标注失败: out of memory"
