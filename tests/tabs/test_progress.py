"""The progress line of a task reads in the page's language."""
import re
from dataclasses import replace

import pytest

from i18n import I18nAuto
from ras.queue.engine_health import EngineReport
from ras.queue.task_status import TaskStatus
from ras.queue.versions import WeightVersion
from tabs.infer import details_md
from tabs.widgets import progress_html, task_progress_html

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


def test_a_running_task_shows_how_far_the_analysis_trails_in_the_details():
    running = status(state="running", queued=2, done=1, failed=0, analysed=0, settled=False)
    assert "已分析: 0/1" in details_md(I18nAuto("zh_CN"), running)
    assert "analysed" not in details_md(I18nAuto("en_US"), status())  # caught up: no line


@pytest.mark.parametrize("language, words", [
    ("en_US", ["<b", "Finished</b>", "3/4 jobs done", "1 failed"]),
    ("zh_CN", ["已完成</b>", "3/4 个作业完成", "1 失败"])])
def test_a_finished_task_says_so(language, words):
    line = task_progress_html(I18nAuto(language), status())
    assert all(word in line for word in words), line
    shown = re.sub(r"<[^>]+>", "", line)  # the words on the page; the numbers behind them are on hover
    assert "queued" not in shown and "排队" not in shown  # no zero counts
    assert "3 analysed" in line or "3 已分析" in line


def test_synthesis_done_while_analysis_trails_says_it_waits_for_analysis():
    trailing = status(analysed=1, settled=False)
    line = task_progress_html(I18nAuto("en_US"), trailing)
    assert "Synthesis finished, waiting for analysis (1 of 3 analysed)" in line and "Finished" not in line
    assert "合成已完成，等待分析（已分析 1/3）" in task_progress_html(I18nAuto("zh_CN"), trailing)


@pytest.mark.parametrize("failed, words", [(1, "analysis failed for 1 result"), (2, "analysis failed for 2 results")])
def test_results_analysis_gave_up_on_are_counted_in_words(failed, words):
    line = task_progress_html(I18nAuto("en_US"), status(analysed=3 - failed, analysis_failed=failed))
    assert f"Finished · {words}" in line


def test_one_job_is_singular_in_english():
    line = task_progress_html(I18nAuto("en_US"), status(total=1, done=1, failed=0, analysed=1))
    assert "1/1 job done" in line and "jobs" not in line


def test_queued_jobs_say_whether_the_task_runs():
    assert "Not running: press" in task_progress_html(I18nAuto("en_US"), status(queued=2, settled=False))
    running = task_progress_html(I18nAuto("en_US"), status(state="running", queued=2, running=1, settled=False))
    assert "running</b>" in running and "2 queued" in running and "1 running" in running


def test_takes_added_after_the_task_was_made_are_explained_on_hover():
    line = task_progress_html(I18nAuto("en_US"), status(total=10, done=9, added_takes=6))
    assert "including 6 added later" in line and 'title="Blind A/B deciding rounds' in line


def test_no_stale_count_down_when_the_pace_no_longer_holds():
    slow = status(state="running", queued=3, jobs_per_min=4.0, eta_seconds=None, settled=False)
    assert "taking longer than usual" in details_md(I18nAuto("en_US"), slow)
    on_time = status(state="running", queued=3, jobs_per_min=4.0, eta_seconds=45, settled=False)
    assert "Remaining: 0 min 45 s" in details_md(I18nAuto("en_US"), on_time)
