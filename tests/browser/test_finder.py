"""The find-reference tab in a real browser, on the planted engine: one click to a finished ranking,
then one more to a blind comparison of the shortlist."""
from __future__ import annotations

import pytest

from tests.fixtures.browser import choose_role, open_tab, screenshot, tables_cut_off, wait_for_text
from tests.fixtures.finder_role import build_finder_role
from tests.fixtures.planted import launch_planted_app, start_planted_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]
KINDS = ["good", "flaky", "good", "noisy", "good"]


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


@pytest.mark.timeout(900)
def test_the_finder_tab_runs_to_a_ranking_and_opens_a_blind_comparison(page, finder_app):
    app, role = finder_app
    page.goto(app.url)
    page.wait_for_selector("#header_role")
    choose_role(page, role)
    open_tab(page, "finder")
    wait_for_text(page, "#finder_estimate", "5/5")  # clips of a length GPT-SoVITS accepts, before screening
    page.fill("#finder_budget input", "14")
    page.fill("#finder_shortlist input", "2")
    page.click("#finder_start")
    wait_for_text(page, "#finder_progress", "完成", timeout=600_000)
    wait_for_text(page, "#finder_screened", "噪声大")  # the noisy clip, excluded with its reason
    wait_for_text(page, "#finder_ranking", "失败:")
    page.wait_for_function("() => document.querySelector('#finder_run input')?.value.includes('完成')",
                           timeout=30_000)  # the run picker's label follows the stage
    page.wait_for_selector("#finder_slot_0 #finder_slot_audio_0 audio[src]", state="attached", timeout=60_000)
    for slot in (0, 1):  # the spectrograms are pictures that really loaded (lazy images load when in view)
        page.locator(f"#finder_slot_spectrogram_{slot}").scroll_into_view_if_needed()
        page.wait_for_function("sel => { const img = document.querySelector(sel); "
                               "return img && img.complete && img.naturalWidth > 0; }",
                               arg=f"#finder_slot_spectrogram_{slot} img", timeout=60_000)
    screenshot(page, "tab_finder_done")
    assert tables_cut_off(page) == []  # every column in view

    page.click("#finder_compare_blind")
    page.wait_for_selector("#ab_audio_a audio[src]", state="attached", timeout=60_000)
    page.wait_for_selector("#ab_audio_b audio[src]", state="attached", timeout=60_000)
    wait_for_text(page, "#ab_text", "文本")
    assert "shortlist" in page.input_value("#ab_task input")
    screenshot(page, "tab_finder_blind")
