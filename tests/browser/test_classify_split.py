"""The classify and split tabs in a real browser, on espeak speech prepared through the API."""
from __future__ import annotations

import pytest

from tests.fixtures import speech
from tests.fixtures.browser import choose_role, open_tab, screenshot, tables_cut_off, wait_for_text

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not speech.tools_available(), reason="needs espeak-ng and sox")]
ROLE = "测试-浏览"


@pytest.fixture(scope="module")
def prepared(running_app, tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser_speech")
    long_clip, _ = speech.paused_clip(0.7)
    lines = [f"{p}|{voice}|en|sentence {i}" for voice, paths in speech.voice_clips().items()
             for i, p in enumerate(paths)]
    lines.append(f"{long_clip}|en+m3|en|{' '.join(speech.PAUSE_SENTENCES)}")
    listing = folder / "browser.list"
    listing.write_text("\n".join(lines) + "\n", encoding="utf-8")
    client = running_app.client()
    client.predict("测试", "浏览", api_name="/create_role")
    assert client.predict(ROLE, str(listing), True, api_name="/import_list")["imported"] == 19
    return client


def test_classify_and_split_tabs(page, running_app, prepared):
    page.goto(running_app.url)
    page.wait_for_selector("#header_role")
    choose_role(page, ROLE)

    open_tab(page, "classify")
    page.click("#classify_run")
    wait_for_text(page, "#classify_groups", "组3", timeout=90_000)
    wait_for_text(page, "#classify_run_status", "3 个分组")
    page.wait_for_selector("#classify_map canvas, #classify_map svg", timeout=30_000)
    group_ids = "#classify_group_clip_ids textarea, #classify_group_clip_ids input"
    page.wait_for_function("(sel) => { const t = document.querySelector(sel); return t && t.value.includes(','); }",
                           arg=group_ids, timeout=30_000)
    page.locator("#classify_members .virtual-row span", has_text="sentence").first.click()
    page.wait_for_selector("#classify_member_audio audio[src]", state="attached", timeout=30_000)
    page.click("#classify_similar")
    wait_for_text(page, "#classify_similar_table", "组", timeout=30_000)
    page.wait_for_timeout(1000)  # the map finishes its layout
    shot = screenshot(page, "tab_classify")
    assert tables_cut_off(page) == []  # every column in view
    assert shot.stat().st_size > 10_000

    open_tab(page, "split")
    page.click("#split_refresh")
    page.wait_for_timeout(500)
    assert "First we walk" in page.input_value("#split_clip input")  # the longest clip comes first
    page.click("#split_propose")
    page.wait_for_selector("#split_waveform img", timeout=60_000)
    page.wait_for_selector("#split_spectrogram img", timeout=30_000)
    wait_for_text(page, "#split_pieces", "Finally")
    wait_for_text(page, "#split_status", "3 段")
    page.click("#split_preview")
    page.wait_for_selector("#split_piece_audio audio[src], #split_piece_audio [data-testid='waveform-controls']",
                           state="attached", timeout=30_000)
    page.wait_for_timeout(500)
    screenshot(page, "tab_split")
    page.click("#split_save")
    wait_for_text(page, "#split_status", "#20", timeout=30_000)
    clips = prepared.predict(ROLE, api_name="/list_clips")["clips"]
    assert sum(1 for c in clips if c.get("parent_clip_id") == 19) == 3
