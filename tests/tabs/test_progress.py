"""The progress line of a task reads in the page's language."""
import pytest

from i18n import I18nAuto
from tabs.infer import details_md
from tabs.widgets import progress_html

STATUS = {"total": 4, "done": 3, "failed": 1, "queued": 0, "running": 0}


@pytest.mark.parametrize("language, state, word", [("zh_CN", "idle", "空闲"), ("zh_CN", "running", "运行中"),
                                                   ("en_US", "idle", "idle")])
def test_task_state_is_a_word_of_the_page_language(language, state, word):
    line = progress_html(I18nAuto(language), {**STATUS, "state": state})
    assert line.endswith(f": {word}</div>")


def test_an_engine_set_aside_is_shown_with_its_reason():
    engines = [{"name": "api1", "state": "ok", "reason": ""},
               {"name": "api2", "state": "quarantined",
                "reason": "server http://h:9880 sent 8 bytes that are not a wav"}]
    shown = details_md(I18nAuto("en_US"), {**STATUS, "engines": engines})
    assert "api2: quarantined" in shown and "not a wav" in shown
    assert "api1" not in shown  # a healthy engine needs no line
    assert details_md(I18nAuto("en_US"), {**STATUS, "engines": engines[:1]}) == ""


def test_a_task_waiting_for_disk_space_says_so():
    reason = "disk full: no space left in /data/roles/a-b while writing a take; the task continues by itself"
    assert reason in details_md(I18nAuto("zh_CN"), {**STATUS, "paused": reason})


def test_the_infer_tab_names_the_versions_the_task_was_made_with():
    weights = [{"kind": "gpt", "name": "a.ckpt", "file": "/w/a.ckpt", "version": "v2"},
               {"kind": "sovits", "name": "a.pth", "file": "/w/a.pth", "version": "v2Pro"}]
    shown = details_md(I18nAuto("en_US"), {**STATUS, "gsv_version": "git 0123456789ab (main)",
                                           "weight_versions": weights})
    assert shown == "GPT-SoVITS git 0123456789ab (main) · GPT `a.ckpt` (v2) · SoVITS `a.pth` (v2Pro)"
    old = details_md(I18nAuto("zh_CN"), {**STATUS, "gsv_version": None, "weight_versions": None})
    assert old == "GPT-SoVITS 未记录 · 模型版本 未记录"


def test_the_progress_line_shows_how_far_the_analysis_trails():
    assert "已分析: 1/3" in details_md(I18nAuto("zh_CN"), {**STATUS, "analysed": 1})
    assert "analysed" not in details_md(I18nAuto("en_US"), {**STATUS, "analysed": 3})  # caught up: no line


def test_the_progress_line_counts_results_analysis_gave_up_on_and_does_not_wait_for_them():
    shown = details_md(I18nAuto("en_US"), {**STATUS, "analysed": 2, "analysis_failed": 1})
    assert "Analysis failed: 1" in shown and "analysed" not in shown  # nothing left to wait for
    shown = details_md(I18nAuto("zh_CN"), {**STATUS, "analysed": 1, "analysis_failed": 1})
    assert "已分析: 1/3" in shown and "分析失败: 1" in shown
