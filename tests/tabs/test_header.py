"""The header: the role picker keeps the current role while it exists, and the status panel says what
RAS found on this machine."""
import re

from i18n import I18nAuto
from ras.library import roles
from ras.settings import Settings
from ras.status import EngineState, MachineStatus
from tabs import header
from tabs.header import status_markdown
from tests.fixtures.ui import build_tab


def test_the_picker_keeps_the_current_role_and_lists_new_ones(ui_ctx):
    tab = build_tab(header, ui_ctx)
    for name in ("乙", "甲"):
        roles.create_role(ws=ui_ctx.ws, category="女性", name=name)
    picker = header.refresh(ui_ctx, tab, role="女性-甲")[tab.role]
    assert picker["choices"] == ["女性-乙", "女性-甲"] and picker["value"] == "女性-甲"
    assert header.refresh(ui_ctx, tab, role="女性-已删")[tab.role]["value"] == "女性-乙"


def test_the_page_opens_on_the_role_this_browser_used_last(ui_ctx):
    tab = build_tab(header, ui_ctx)
    for name in ("乙", "甲"):
        roles.create_role(ws=ui_ctx.ws, category="女性", name=name)
    assert header.remember_role(ui_ctx, tab, role="女性-甲") == {tab.last_role: "女性-甲"}
    assert header.open_last_role(ui_ctx, tab, role="女性-乙", last_role="女性-甲")[tab.role]["value"] == "女性-甲"
    # a browser that used no role yet, or one since deleted, opens on the first role
    assert header.open_last_role(ui_ctx, tab, role="女性-乙", last_role=None)[tab.role]["value"] == "女性-乙"
    assert header.open_last_role(ui_ctx, tab, role="女性-乙", last_role="女性-已删")[tab.role]["value"] == "女性-乙"


def test_the_status_panel_names_every_line(ui_ctx):
    tab = build_tab(header, ui_ctx)
    panel = header.show_status(ui_ctx, tab)[tab.status]
    for line in ("GPT-SoVITS 目录", "推理引擎", "语音识别模型", "说话人模型", "角色目录剩余空间"):
        assert line in panel


def panel_for(settings: Settings, **found) -> str:
    status = MachineStatus(**{"gsv_root": None, "gsv_version": None, "engines": [], "weights": {},
                              "asr": {"zh": None, "en": "faster-whisper tiny.en", "yue": None},
                              "speaker_model": "resemblyzer", "analysis_backlog": 0, "analysis_failed": 0,
                              "disk_free_bytes": 5e9,
                              **found})
    return status_markdown(I18nAuto("zh_CN"), status, settings)


def test_the_status_panel_tells_an_api_v2_user_what_each_missing_line_means():
    panel = panel_for(Settings(engine_urls=("http://127.0.0.1:9880",)),
                      engines=[EngineState("api1", "not started")])
    assert "**GPT-SoVITS 目录**: 未设置  \n  使用 api_v2 时不需要" in panel
    assert "api1 (未启动)" in panel and "任务用该服务已加载的模型" in panel
    assert "没有模型: zh, yue" in panel and "不计算识别错误率（CER）" in panel and "--asr-model" in panel
    assert "未找到" not in panel.split("语音识别模型")[0]  # nothing an api_v2 user needs is called missing


def test_the_status_panel_tells_a_user_without_an_engine_how_to_get_one():
    panel = panel_for(Settings())
    assert "需要其一才能合成" in panel and "没有引擎就无法合成" in panel
    english = status_markdown(I18nAuto("en_US"), MachineStatus(
        None, None, [], {}, {"zh": None}, "resemblyzer", 2, 0, 5e9), Settings(engine_urls=("http://x",)))
    assert "Not needed with api_v2" in english and "still being computed" in english
    assert not re.search(r"[\u4e00-\u9fff]", english)  # no Chinese left on the English page
