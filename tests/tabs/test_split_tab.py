"""The split tab's handlers: cut points proposed and drawn, a piece played, the pieces saved as new clips
and the clip picker listing them."""
import gradio as gr
import pandas as pd
import pytest

from ras.library import importer, roles
from tabs import split as split_tab
from tests.fixtures import speech
from tests.fixtures.ui import build_tab, through_page

ROLE = "测试-切分"
needs_speech = pytest.mark.skipif(not speech.tools_available(), reason="needs espeak-ng and sox")


@pytest.fixture
def tab(ui_ctx, tmp_path):
    roles.create_role(ws=ui_ctx.ws, category="测试", name="切分")
    path, _ = speech.paused_clip(0.7)
    (tmp_path / "p.list").write_text(f"{path}|spk|en|{' '.join(speech.PAUSE_SENTENCES)}\n", encoding="utf-8")
    importer.import_list(ws=ui_ctx.ws, role=ROLE, list_path=tmp_path / "p.list")
    return build_tab(split_tab, ui_ctx)


@needs_speech
def test_a_clip_cut_at_its_pauses_is_saved_as_three_new_clips(ui_ctx, tab):
    picker = split_tab.refresh(ui_ctx, tab, role=ROLE, clip_id=None)[tab.clip]
    assert picker["value"] == 1 and picker["choices"][0][0].startswith("#1 · ")
    proposed = split_tab.propose(ui_ctx, tab, role=ROLE, clip_id=1, min_silence=300)
    assert proposed[tab.status] == "✔ 3 段" and len(proposed[tab.pieces]) == 3
    assert proposed[tab.waveform].endswith(".png") and proposed[tab.spectrogram].endswith(".png")
    table = pd.DataFrame(proposed[tab.pieces])
    assert split_tab.pick_row(ui_ctx, tab, evt=gr.SelectData(None, {"index": [2, 0], "value": ""})) == {
        tab.piece_no: 3}
    rate, samples = split_tab.preview(ui_ctx, tab, role=ROLE, clip_id=1, table=table, number=3)[tab.piece_audio]
    assert len(samples) / rate == pytest.approx(table.iloc[2, 1] - table.iloc[2, 0], abs=0.01)

    saved = split_tab.save(ui_ctx, tab, role=ROLE, clip_id=1, table=table, transcribe=False, min_silence=300)
    assert saved[tab.status].startswith("✔ 已保存 3 条新音频 (#2, #3, #4)")
    assert len(saved[tab.clip]["choices"]) == 4 and saved[tab.clip]["value"] == 1


def test_a_table_without_numbers_names_the_row(ui_ctx, tab):
    table = pd.DataFrame([[0.0, 1.5, "a"], ["x", 3.0, "b"]])
    with pytest.raises(gr.Error) as failed:
        through_page(ui_ctx, split_tab.redraw, tab, role=ROLE, clip_id=1, table=table)
    assert failed.value.message == "绘制失败: row 2: start and end must be numbers of seconds"
    with pytest.raises(gr.Error, match="没有这一段"):
        split_tab.preview(ui_ctx, tab, role=ROLE, clip_id=1, table=table.iloc[:1], number=2)
