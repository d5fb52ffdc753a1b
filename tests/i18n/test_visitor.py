"""Each visitor's language: negotiated from the browser's Accept-Language, used by every handler's answer,
and the page built once for all of them without a raw text marker where the browser cannot translate it."""
from __future__ import annotations

import json

import gradio as gr
import pytest
from starlette.requests import Request

import webui_ras
from i18n import MARKER, I18nAuto, browser_translates, has_marker, negotiate
from ras.settings import Settings
from tabs.common import ui_action
from tabs.page_language import coded_choices_with_markers, find_untranslated


@pytest.mark.parametrize(("header", "language"), [
    ("en-US,en;q=0.9", "en_US"),
    ("zh-CN,zh;q=0.9,en;q=0.8", "zh_CN"),
    ("zh-TW", "zh_CN"),
    ("fr-FR,fr;q=0.9,en-US;q=0.8", "en_US"),  # the first language we have, in the browser's order
    ("en;q=0.5, zh-HK;q=0.8", "zh_CN"),  # by weight, not by position
    ("EN-gb", "en_US"),
    ("de-DE,ja;q=0.7", "zh_CN"),  # none we have: Chinese
    ("en;q=0", "zh_CN"),  # q=0 means "not this one"
    ("", "zh_CN"),
    (None, "zh_CN"),
    (";;,q=x,", "zh_CN"),
])
def test_accept_language_picks_chinese_or_english_and_falls_back_to_chinese(header, language):
    assert negotiate(header) == language


def visitor(accept_language: str | None) -> gr.Request:
    headers = [(b"accept-language", accept_language.encode())] if accept_language else []
    scope = {"type": "http", "method": "POST", "path": "/", "headers": headers}
    return gr.Request(request=Request(scope))


PAUSE_EN = "long pause · a pause inside the speech longer than 1.2 s"
PAUSE_ZH = "长停顿 · 句中停顿超过 1.2 秒"


def handlers(i18n: I18nAuto):
    built_with_page = f"{i18n('长停顿')} · {i18n('句中停顿超过 {} 秒').format(1.2)}"  # captured while building

    @ui_action(i18n, "新建角色失败")
    def answer(name: str):
        return f"{i18n('已创建角色')} {name}", built_with_page

    @ui_action(i18n, "新建角色失败")
    def fail(name: str):
        raise ValueError(f"category is empty for {name}")

    return built_with_page, answer, fail


def test_a_handler_called_by_another_answers_in_the_same_visitors_language():
    i18n = I18nAuto("")
    _built, answer, _fail = handlers(i18n)

    @ui_action(i18n, "读取进度失败")
    def outer(name: str):
        return answer(name)

    assert outer("x", visitor("en-US")) == ("Created role x", PAUSE_EN)
    assert outer("x", visitor("zh-CN")) == ("已创建角色 x", PAUSE_ZH)
    assert outer("x") == ("已创建角色 x", PAUSE_ZH)


def test_a_handler_answers_in_its_visitors_language():
    i18n = I18nAuto("")
    built, answer, fail = handlers(i18n)
    assert MARKER in built and not browser_translates(built)  # two parts and a number: the server's job
    assert answer("x", visitor("en-US,en;q=0.9")) == ("Created role x", PAUSE_EN)
    assert answer("x", visitor("zh-CN")) == ("已创建角色 x", PAUSE_ZH)
    assert answer("x") == ("已创建角色 x", PAUSE_ZH)  # a script or a test: Chinese
    with pytest.raises(gr.Error) as english:
        fail("x", visitor("en-US"))
    assert english.value.message.startswith("Creating the role failed: category is empty")
    with pytest.raises(gr.Error) as chinese:
        fail("x", visitor("zh-CN"))
    assert chinese.value.message.startswith("新建角色失败: category is empty")
    assert i18n("角色") != "角色" and has_marker(i18n("角色"))  # outside any handler: the page being built


def test_lang_forces_one_language_whatever_the_browser_asks():
    i18n = I18nAuto("en_US")
    built, answer, fail = handlers(i18n)
    assert MARKER not in built
    assert answer("x", visitor("zh-CN")) == ("Created role x", PAUSE_EN)
    with pytest.raises(gr.Error) as error:
        fail("x", visitor("zh-CN"))
    assert error.value.message.startswith("Creating the role failed")


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    built = {}
    for lang in ("", "en_US"):
        ctx = webui_ras.make_context(Settings(roles_dir=tmp_path_factory.mktemp("page") / "roles", lang=lang))
        built[lang] = webui_ras.build_app(ctx)
    return built


def configs(app: gr.Blocks) -> str:
    return json.dumps([block.get_config() for block in app.blocks.values() if hasattr(block, "get_config")],
                      default=str)


def test_the_page_following_browsers_leaves_the_browser_only_what_it_can_translate(pages):
    app = pages[""]
    assert MARKER in configs(app)  # labels go to the browser as markers
    assert find_untranslated(app) == []  # tables and composed texts were put in Chinese for the first paint
    assert coded_choices_with_markers(app) == []  # a handler never gets translated text back as a value
    headers = next(b for b in app.blocks.values() if getattr(b, "elem_id", None) == "roles_table").headers
    assert headers == ["角色", "音频数"]
    loads = [fn for fn in app.fns.values() if fn.name == "in_visitor_language"]
    assert len(loads) == 1 and any(block.elem_id == "evaluate_weights_legend" for block in loads[0].outputs)
    assert "visitor_request" not in json.dumps(app.get_api_info())  # the scripts' API is unchanged


def test_a_forced_language_builds_a_page_without_markers(pages):
    app = pages["en_US"]
    assert MARKER not in configs(app)
    assert not any(fn.name == "in_visitor_language" for fn in app.fns.values())
