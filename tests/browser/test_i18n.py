"""One running app, two visitors: an English browser reads the page in English, a Chinese one in Chinese —
labels, choices, table headers, and what the handlers answer."""
from __future__ import annotations

import pytest

from tests.fixtures.app import launch_app
from tests.fixtures.browser import open_tab, screenshot, visitor_page, wait_for_text

pytestmark = pytest.mark.browser

TOASTS = "txt => [...document.querySelectorAll('.toast-wrap')].some(el => el.innerText.includes(txt))"

# what each visitor must read; none of it may show up for the other one
PAGES = {
    "en-US": {"tab": "Roles", "title": "reference audio selector", "error": "Creating the role failed",
              "created": "Created role", "headers": ("Roles", "Clips"),
              "choices": ("Short", "Long text", "Other"),
              "text_headers": ("ID", "Text"), "category": "Category"},
    "zh-CN": {"tab": "角色", "title": "参考音频筛选", "error": "新建角色失败",
              "created": "已创建角色", "headers": ("角色", "音频数"), "choices": ("短句", "长文本", "其他"),
              "text_headers": ("编号", "文本"), "category": "类别"},
}


def header_cells(page, selector: str) -> str:
    return " ".join(page.locator(f"{selector} thead th").all_inner_texts())


def visit(browser, app, locale: str, role_name: str) -> str:
    """Walk the page as a visitor whose browser speaks `locale`; returns all text seen."""
    want = PAGES[locale]
    with visitor_page(browser, app.url, locale, width=1360) as page:
        wait_for_text(page, "#tab_roles-button", want["tab"])
        wait_for_text(page, "#roles_table", want["headers"][1])  # re-sent in the visitor's language on load
        seen = [page.inner_text("body")]

        page.click("#roles_create")  # no category and no name: the handler's error
        page.wait_for_function(TOASTS, arg=want["error"], timeout=30_000)
        seen.append(" ".join(page.locator(".toast-wrap").all_inner_texts()))
        page.evaluate("() => document.querySelectorAll('.toast-close').forEach(b => b.click())")

        page.fill("#roles_category textarea, #roles_category input", locale[:2])
        page.fill("#roles_name textarea, #roles_name input", role_name)
        page.click("#roles_create")
        wait_for_text(page, "#roles_status", want["created"])  # text a handler wrote
        wait_for_text(page, "#roles_table", role_name)  # rows a handler sent: its headers follow the visitor
        assert all(h in header_cells(page, "#roles_table") for h in want["headers"])
        seen += [page.inner_text("#roles_status"), header_cells(page, "#roles_table")]

        open_tab(page, "texts")
        wait_for_text(page, "#texts_table", want["text_headers"][0])
        assert all(h in header_cells(page, "#texts_table") for h in want["text_headers"])
        wait_for_text(page, "#texts_category", want["category"])
        page.click("#texts_category input")
        options = page.locator("ul[role='listbox'] li")
        options.first.wait_for(timeout=30_000)
        shown = options.all_inner_texts()
        assert all(any(choice in text for text in shown) for choice in want["choices"]), shown
        seen += [" ".join(shown), page.inner_text("body")]
        page.keyboard.press("Escape")
        screenshot(page, f"i18n_{locale.replace('-', '_')}")
        return "\n".join(seen)


def test_the_same_app_speaks_english_to_an_english_browser_and_chinese_to_a_chinese_one(browser, running_app):
    english = visit(browser, running_app, "en-US", "visitor")
    chinese = visit(browser, running_app, "zh-CN", "访客")
    for text, own, other in ((english, "en-US", "zh-CN"), (chinese, "zh-CN", "en-US")):
        assert "__i18n__" not in text and "i18n{" not in text  # no raw marker anywhere
        assert PAGES[own]["title"] in text
        for word in ("error", "created", "title"):
            assert PAGES[other][word] not in text, f"{own} page shows {PAGES[other][word]!r}"


def test_lang_forces_english_for_a_chinese_browser(browser, tmp_path_factory):
    app = launch_app(tmp_path_factory.mktemp("forced_en"), "--lang", "en_US")
    try:
        with visitor_page(browser, app.url, "zh-CN", width=1360) as page:
            wait_for_text(page, "#tab_roles-button", "Roles")
            page.click("#roles_create")
            page.wait_for_function(TOASTS, arg="Creating the role failed", timeout=30_000)
            text = page.inner_text("body")
            assert "参考音频筛选" not in text and "新建角色失败" not in text
            assert "Roles" in header_cells(page, "#roles_table")
    finally:
        app.stop()
