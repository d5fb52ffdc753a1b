"""A person's first minutes in a real browser: create a role, import a list, see the clips."""
from __future__ import annotations

import pytest

import webui_ras
from tests.fixtures.app import write_tone
from tests.fixtures.browser import open_tab, screenshot, tables_cut_off, wait_for_text

pytestmark = pytest.mark.browser


def test_create_role_import_and_browse(page, running_app, tmp_path):
    for i in range(3):
        write_tone(tmp_path / f"b{i}.wav", 4 + i, seed=40 + i)
    listing = tmp_path / "browser.list"
    # a long transcript and a long missing path, as real lists have: their tables must still show every column
    long_text = "第三条" + "，这是一段很长的参考文本" * 12
    lost = "/".join(["a_folder_of_recordings_with_a_long_name"] * 6) + "/lost.wav"
    listing.write_text(f"b0.wav|spk|zh|第一条\nb1.wav|spk|zh|第二条\nb2.wav|spk|zh|{long_text}\n{lost}|spk|zh|丢失\n",
                       encoding="utf-8")
    page.goto(running_app.url)
    page.wait_for_selector("#header_role")
    screenshot(page, "tab_roles_empty")

    page.fill("#roles_category textarea, #roles_category input", "女性")
    page.fill("#roles_name textarea, #roles_name input", "浏览器")
    page.click("#roles_create")
    wait_for_text(page, "#roles_table", "女性-浏览器")

    open_tab(page, "import")
    page.fill("#import_server_path textarea, #import_server_path input", str(listing))
    page.click("#import_run")
    wait_for_text(page, "#import_errors", "lost.wav")  # the bad line, with its reason
    wait_for_text(page, "#import_summary", "导入 3")
    screenshot(page, "tab_import")
    assert tables_cut_off(page) == []

    open_tab(page, "roles")
    page.click("#clips_search")
    wait_for_text(page, "#clips_table", "第三条")
    assert "第一条" in page.inner_text("#clips_table")
    page.locator("#clips_table .virtual-row span", has_text="第二条").first.click()
    page.wait_for_selector("#clips_audio audio[src]", state="attached")
    screenshot(page, "tab_roles")
    assert tables_cut_off(page) == []

    for key in (entry.tab_id for entry in webui_ras.TABS):
        if key not in ("roles", "import"):
            open_tab(page, key)
            screenshot(page, f"first_look_{key}")
            # long texts wrap inside their column instead of pushing the table past the page
            assert tables_cut_off(page) == [], key
