"""The header as a user meets it: the page reopens on the role last used in this browser, the status panel
explains each line in the page's language, and no untranslated Gradio key is left in the page's text."""
from __future__ import annotations

import pytest

from tests.fixtures.browser import choose_role, screenshot, visitor_page, wait_for_text

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def two_roles(running_app):
    client = running_app.client()
    for name in ("甲", "乙"):  # listed by code point: 乙 (U+4E59) before 甲 (U+7532)
        client.predict("记住", name, api_name="/create_role")
    return client


def test_the_page_reopens_on_the_role_last_used(page, running_app, two_roles):
    page.goto(running_app.url)
    page.wait_for_selector("#header_role")
    # the first role, before any was used
    page.wait_for_function("() => document.querySelector('#header_role input')?.value === '记住-乙'")
    choose_role(page, "记住-甲")
    page.wait_for_timeout(500)  # the choice is stored in the browser
    page.reload()
    page.wait_for_function("() => document.querySelector('#header_role input')?.value === '记住-甲'")


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_the_status_panel_explains_each_line_and_no_gradio_key_shows(browser, running_app, two_roles, locale):
    with visitor_page(browser, running_app.url, locale) as page:
        page.click("#header_status_panel button, #header_status_panel .label-wrap")
        english = locale == "en-US"
        # opening the panel reads the status (the page load does not)
        wait_for_text(page, "#header_status", "One of the two is needed" if english else "需要其一才能合成")
        page.click("#header_status_refresh")
        wait_for_text(page, "#header_status", "One of the two is needed" if english else "需要其一才能合成")
        wait_for_text(page, "#header_status", "--asr-model")
        page.wait_for_timeout(1500)  # Gradio's screen-reader status line follows the click's answer
        screenshot(page, f"header_status_{locale}")
        text = page.evaluate("() => document.body.innerText + document.body.textContent")
        assert "common." not in text and "status.queue" not in text
