"""The find-reference tab in a real browser, on the planted engine: start a run, see it ranked."""
from __future__ import annotations

import pytest

from tests.fixtures.browser import open_tab, screenshot, wait_for_text
from tests.fixtures.finder_role import build_finder_role
from tests.fixtures.planted import launch_planted_app, start_planted_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]
KINDS = ["good", "flaky", "good", "noisy", "good", "wrong_text", "good"]


@pytest.fixture(scope="module")
def finder_app(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("browser_finder")
    role_data = build_finder_role(tmp_path / "clips", KINDS)
    server = start_planted_server(tmp_path, role_data.profiles)
    app = None
    try:
        app = launch_planted_app(tmp_path, [server])
        client = app.client()
        role = client.predict("浏览器", "找参考", api_name="/create_role")["role"]
        client.predict(role, str(role_data.list_path), True, api_name="/import_list")
        yield app, role
    finally:
        if app is not None:
            app.stop()
        server.kill()


def test_a_run_started_in_the_tab_ends_in_a_ranking_with_playable_takes(page, finder_app):
    app, role = finder_app
    page.goto(app.url)
    page.wait_for_selector("#header_role")
    page.locator("#header_role input").fill(role)
    page.keyboard.press("Enter")
    open_tab(page, "finder")
    wait_for_text(page, "#finder_estimate", "7/7")  # the budget estimate follows the role's clips
    page.locator("#finder_budget input").fill("16")
    page.locator("#finder_shortlist input").fill("2")
    page.locator("#finder_shortlist input").press("Tab")
    page.click("#finder_start")
    wait_for_text(page, "#finder_progress", "完成", timeout=600_000)
    wait_for_text(page, "#finder_screened", "噪声大")
    wait_for_text(page, "#finder_screened", "文本与时长不符")
    wait_for_text(page, "#finder_ranking", "失败:")
    page.wait_for_selector("#finder_slot_audio_0 audio[src]", state="attached", timeout=30_000)
    page.wait_for_selector("#finder_slot_spectrogram_0 img", timeout=30_000)
    assert page.locator("#finder_slot_2").is_hidden()  # a shortlist of two
    page.locator("#finder_progress").scroll_into_view_if_needed()
    screenshot(page, "tab_finder")
