"""The progress line of a task reads in the page's language."""
from dataclasses import replace

import pytest

from i18n import I18nAuto
from ras.queue.engine_health import EngineReport
from ras.queue.task_status import TaskStatus
from ras.queue.versions import WeightVersion
from tabs.infer import details_md
from tabs.widgets import progress_html

STATUS = TaskStatus(task_id=1, state="idle", total=4, queued=0, running=0, done=3, failed=1, cancelled=0,
                    analysed=3, analysis_failed=0, settled=True, added_takes=0, jobs_per_min=None, eta_seconds=None,
                    current=(), engines=(), paused="", gsv_version="git 0123456789ab (main)", weight_versions=(),
                    last_result=None)


def status(**changes) -> TaskStatus:
    return replace(STATUS, **changes)


@pytest.mark.parametrize("language, state, word", [("zh_CN", "idle", "空闲"), ("zh_CN", "running", "运行中"),
                                                   ("en_US", "idle", "idle")])
def test_task_state_is_a_word_of_the_page_language(language, state, word):
    line = progress_html(I18nAuto(language), {"total": 4, "done": 3, "failed": 1, "queued": 0, "running": 0,
                                              "state": state})
    assert line.endswith(f": {word}</div>")


def test_an_engine_set_aside_is_shown_with_its_reason():
    engines = (EngineReport("api1", "ok", ""),
               EngineReport("api2", "quarantined", "server http://h:9880 sent 8 bytes that are not a wav"))
    shown = details_md(I18nAuto("en_US"), status(engines=engines))
    assert "api2: quarantined" in shown and "not a wav" in shown
    assert "api1" not in shown  # a healthy engine needs no line
    assert "api1" not in details_md(I18nAuto("en_US"), status(engines=engines[:1]))


def test_a_task_waiting_for_disk_space_says_so():
    reason = "disk full: no space left in /data/roles/a-b while writing a take; the task continues by itself"
    assert reason in details_md(I18nAuto("zh_CN"), status(paused=reason))


def test_the_infer_tab_names_the_versions_the_task_was_made_with():
    weights = (WeightVersion("gpt", "a.ckpt", "/w/a.ckpt", "v2"), WeightVersion("sovits", "a.pth", "/w/a.pth", "v2Pro"))
    shown = details_md(I18nAuto("en_US"), status(weight_versions=weights))
    assert shown == "GPT-SoVITS git 0123456789ab (main) · GPT `a.ckpt` (v2) · SoVITS `a.pth` (v2Pro)"
    old = details_md(I18nAuto("zh_CN"), status(gsv_version=None, weight_versions=None))
    assert old == "GPT-SoVITS 未记录 · 模型版本 未记录"


def test_the_progress_line_shows_how_far_the_analysis_trails():
    assert "已分析: 1/3" in details_md(I18nAuto("zh_CN"), status(analysed=1))
    assert "analysed" not in details_md(I18nAuto("en_US"), status(analysed=3))  # caught up: no line


def test_the_progress_line_counts_results_analysis_gave_up_on_and_does_not_wait_for_them():
    shown = details_md(I18nAuto("en_US"), status(analysed=2, analysis_failed=1))
    assert "Analysis failed: 1" in shown and "analysed" not in shown  # nothing left to wait for
    shown = details_md(I18nAuto("zh_CN"), status(analysed=1, analysis_failed=1))
    assert "已分析: 1/3" in shown and "分析失败: 1" in shown
