"""The find-reference tab in a real browser, on the planted engine: one click to a finished ranking, the
findings in words in both languages, a role switch without a stale poller, then one more click to a blind
comparison of the shortlist."""
from __future__ import annotations

import pytest

from tests.fixtures.browser import choose_role, open_tab, screenshot, tables_cut_off, visitor_page, wait_for_text
from tests.fixtures.finder_role import build_finder_role
from tests.fixtures.planted import launch_planted_app, start_planted_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]
KINDS = ["good", "flaky", "good", "noisy", "good"]
TOASTS = "() => [...document.querySelectorAll('.toast-wrap')].map(el => el.innerText).join(' | ')"


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
        other = client.predict("浏览器", "另一个", api_name="/create_role")["role"]  # a role without runs
        yield app, role, other
    finally:
        if app is not None:
            app.stop()
        server.kill()


def load_media(page) -> None:
    """Scroll every shortlist slot into view: the page loads audio and pictures when they come into view."""
    for slot in range(5):
        box = page.locator(f"#finder_slot_{slot}")
        if box.is_visible():
            box.scroll_into_view_if_needed()
            page.wait_for_timeout(300)


@pytest.mark.timeout(900)
def test_the_finder_tab_runs_to_a_ranking_and_opens_a_blind_comparison(page, finder_app):
    app, role, other = finder_app
    page.goto(app.url)
    page.wait_for_selector("#header_role")
    choose_role(page, role)
    open_tab(page, "finder")
    wait_for_text(page, "#finder_estimate", "5/5")  # clips of a length GPT-SoVITS accepts, before screening
    assert "[zh]" not in page.inner_text("#finder_texts")  # an English role is offered English probe texts
    page.fill("#finder_budget input", "14")
    page.fill("#finder_shortlist input", "2")
    page.click("#finder_start")
    wait_for_text(page, "#finder_progress", "所有结果都已分析", timeout=600_000)
    wait_for_text(page, "#finder_screened", "噪声大：语音只比底噪高")  # the noisy clip, excluded, in words
    assert page.locator("#finder_screened span[title*='25 dB']").count() >= 1  # its numbers on hover
    wait_for_text(page, "#finder_ranking", "候选名单第 1 名")
    page.wait_for_function("() => document.querySelector('#finder_run input')?.value.includes('完成')",
                           timeout=30_000)  # the run picker's label follows the stage
    page.wait_for_selector("#finder_slot_0 #finder_slot_audio_0 audio[src]", state="attached", timeout=60_000)
    for slot in (0, 1):  # the spectrograms are pictures that really loaded (lazy images load when in view)
        page.locator(f"#finder_slot_spectrogram_{slot}").scroll_into_view_if_needed()
        page.wait_for_function("sel => { const img = document.querySelector(sel); "
                               "return img && img.complete && img.naturalWidth > 0; }",
                               arg=f"#finder_slot_spectrogram_{slot} img", timeout=60_000)
    # the shortlist's buttons sit under the spectrogram, not in a tall empty block
    assert page.locator("#finder_slot_product_0").bounding_box()["height"] < 60
    screenshot(page, "tab_finder_done")
    assert tables_cut_off(page) == []  # every column in view

    choose_role(page, other)  # the poller follows the role: no error about the old role's run
    page.wait_for_function("() => !document.querySelector('#finder_run input')?.value", timeout=30_000)
    page.wait_for_timeout(5000)  # two polls
    assert "not found" not in page.evaluate(TOASTS) and page.inner_text("#finder_progress").strip() == ""
    choose_role(page, role)
    wait_for_text(page, "#finder_progress", "所有结果都已分析", timeout=60_000)

    page.click("#finder_compare_blind")
    page.wait_for_selector("#ab_audio_a audio[src]", state="attached", timeout=60_000)
    page.wait_for_selector("#ab_audio_b audio[src]", state="attached", timeout=60_000)
    wait_for_text(page, "#ab_text", "文本")
    assert "shortlist" in page.input_value("#ab_task input")
    screenshot(page, "tab_finder_blind")


@pytest.mark.timeout(600)
def test_an_english_page_shows_the_findings_in_english(browser, finder_app):
    app, role, _ = finder_app
    client = app.client()
    if not client.predict(role, api_name="/list_finder_runs")["runs"]:  # run alone: a run of its own
        client.predict(role, {"shortlist": 2, "budget_jobs": 14}, api_name="/find_reference")
    with visitor_page(browser, app.url, "en-US", role=role) as page:
        open_tab(page, "finder")
        wait_for_text(page, "#finder_progress", "Every take is analysed", timeout=600_000)
        wait_for_text(page, "#finder_screened", "noisy: speech only")
        wait_for_text(page, "#finder_ranking", "shortlist place 1")
        shown = " ".join(page.inner_text(sel) for sel in ("#finder_progress", "#finder_screen_summary",
                                                           "#finder_ranking", "#finder_slot_info_0"))
        assert not any("\u4e00" <= ch <= "\u9fff" for ch in shown), shown  # no Chinese word on the English page
        assert "takes" in page.inner_text("#finder_slot_info_0")
        load_media(page)
        screenshot(page, "tab_finder_done_en")
