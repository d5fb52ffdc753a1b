"""The finder per emotion in a real browser, on the planted engine: clips tagged by their file names
(【开心】a.wav), one search started from the Chinese page with "one shortlist per emotion" ends in a
shortlist for every emotion, each emotion's run listed under it; an English visitor reads the same
run in English. Screenshots test-artifacts/finder_emotions_<locale>.png."""
from __future__ import annotations

import re

import pytest

from tests.fixtures import speech
from tests.fixtures.app import configuration_result
from tests.fixtures.browser import open_tab, screenshot, visitor_page, wait_for_text
from tests.fixtures.emotion_role import build_emotion_role
from tests.fixtures.planted import launch_planted_app, start_planted_server
from tests.fixtures.planted_engine import Profile

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not speech.tools_available(), reason="needs espeak-ng and sox")]
EMOTION_WORDS = {"zh-CN": ("平静", "开心", "难过"), "en-US": ("Neutral", "Happy", "Sad")}


@pytest.fixture(scope="module")
def emotion_app(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("browser_finder_emotions")
    emotion_role = build_emotion_role(tmp_path / "emo", kinds={e: ("good", "good", "flaky")
                                                               for e in ("neutral", "happy", "sad")}, role="情绪")
    server = start_planted_server(tmp_path, {**emotion_role.profiles, "default": Profile()})
    app = None
    try:
        app = launch_planted_app(tmp_path, [server])
        client = app.client()
        role = client.predict("浏览器", "情绪", api_name="/create_role")["role"]
        client.predict(role, str(emotion_role.lists["tag_zh"]), True, api_name="/import_list")
        yield app, role, server
    finally:
        if app is not None:
            app.stop()
        server.kill()


def test_one_search_finds_a_shortlist_per_emotion_read_in_both_languages(browser, emotion_app):
    app, role, _ = emotion_app
    with visitor_page(browser, app.url, "zh-CN", role=role, width=1360) as page:
        open_tab(page, "finder")
        page.click("#finder_per_emotion input")
        page.fill("#finder_budget input", "36")
        page.fill("#finder_shortlist input", "1")
        page.click("#finder_start")
        wait_for_text(page, "#finder_emotions", "每种情绪的候选名单")
        for word in EMOTION_WORDS["zh-CN"]:
            wait_for_text(page, "#finder_emotions", word)
        page.wait_for_function("() => (document.querySelector('#finder_emotions').innerText.match(/完成/g) || [])"
                               ".length === 3", timeout=900_000)  # every emotion's run is done
        overview = page.inner_text("#finder_emotions")
        assert overview.count("完成") == 3 and len(re.findall(r"：#\d+", overview)) == 3, overview
        page.click("#finder_run input")
        listed = page.locator("ul[role='listbox'] li").all_inner_texts()
        assert sum("└" in label for label in listed) == 3 and "每种情绪各一份名单（3 种）" in listed[0], listed
        page.keyboard.press("Escape")
        screenshot(page, "finder_emotions_zh_CN")
    with visitor_page(browser, app.url, "en-US", role=role, width=1360) as page:
        open_tab(page, "finder")
        wait_for_text(page, "#finder_emotions", "Each emotion's shortlist")
        overview = page.inner_text("#finder_emotions")
        assert all(word in overview for word in EMOTION_WORDS["en-US"]), overview
        assert not re.search(r"[\u4e00-\u9fff]", overview), overview  # no Chinese left on the English page
        screenshot(page, "finder_emotions_en_US")


TAGGED = "[开心]We found the keys under the table. (sad)Nobody came to the party on Sunday. 【平静】Dinner is ready."


def pick_option(page, elem_id: str, text: str) -> None:
    page.click(f"#{elem_id} input")
    page.locator("ul[role='listbox'] li", has_text=text).first.click()


def test_a_voice_built_from_the_shortlists_speaks_a_tagged_long_text(browser, emotion_app):
    """After the search above: its emotions' top clips become a product's emotions on the page, and a long
    text tagged [开心] / (sad) / 【平静】 is spoken sentence by sentence with each emotion's reference."""
    app, role, server = emotion_app
    client = app.client()
    run = next(r for r in client.predict(role, api_name="/list_finder_runs")["runs"] if r["parent"] is None)
    shortlists = client.predict(role, run["run_id"], api_name="/find_reference_status")["shortlists"]
    result_id = configuration_result(client, role, shortlists["neutral"][0])["id"]
    client.predict(role, result_id, "三种情绪", api_name="/create_product")
    with visitor_page(browser, app.url, "zh-CN", role=role, width=1360) as page:
        open_tab(page, "products")
        pick_option(page, "products_product", "三种情绪")
        for emotion, word in (("happy", "开心"), ("sad", "难过")):
            pick_option(page, "products_emotion", word)
            page.fill("#products_emotion_clip input", str(shortlists[emotion][0]))
            page.click("#products_set_emotion")
            wait_for_text(page, "#products_table", word)
        open_tab(page, "long_text")
        pick_option(page, "long_text_product", "三种情绪")
        page.fill("#long_text_text textarea", TAGGED)
        page.click("#long_text_start")
        wait_for_text(page, "#long_text_sentences_0", "Dinner is ready", timeout=120_000)
        page.wait_for_selector("#long_text_audio_0 audio[src]", state="attached", timeout=600_000)  # joined
        table = page.inner_text("#long_text_sentences_0")
        assert all(word in table for word in ("开心", "难过", "平静")), table
        screenshot(page, "voice_emotions_long_text_zh_CN")
    # the engine's own log: every take of a sentence spoke with its tag's emotion (re-rolls included)
    expected = {"We found the keys under the table.": "happy", "Nobody came to the party on Sunday.": "sad",
                "Dinner is ready.": "neutral"}
    heard = [(t["text"], t["emotion"]) for t in server.takes() if t["text"] in expected]
    assert {text for text, _ in heard} == set(expected) and all(expected[text] == e for text, e in heard), heard
    with visitor_page(browser, app.url, "en-US", role=role, width=1360) as page:
        open_tab(page, "long_text")
        wait_for_text(page, "#long_text_sentences_0", "Dinner is ready")
        table = page.inner_text("#long_text_sentences_0")
        assert all(word in table for word in ("Happy", "Sad", "Neutral")), table
        screenshot(page, "voice_emotions_long_text_en_US")

