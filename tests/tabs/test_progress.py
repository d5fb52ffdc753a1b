"""The progress line of a task reads in the page's language."""
import pytest

from i18n import I18nAuto
from tabs.widgets import progress_html

STATUS = {"total": 4, "done": 3, "failed": 1, "queued": 0, "running": 0}


@pytest.mark.parametrize("language, state, word", [("zh_CN", "idle", "空闲"), ("zh_CN", "running", "运行中"),
                                                   ("en_US", "idle", "idle")])
def test_task_state_is_a_word_of_the_page_language(language, state, word):
    line = progress_html(I18nAuto(language), {**STATUS, "state": state})
    assert line.endswith(f": {word}</div>")
