"""The header: the role picker keeps the current role while it exists, and the status panel says what
RAS found on this machine."""
from ras.library import roles
from tabs import header
from tests.fixtures.ui import build_tab


def test_the_picker_keeps_the_current_role_and_lists_new_ones(ui_ctx):
    tab = build_tab(header, ui_ctx)
    for name in ("乙", "甲"):
        roles.create_role(ws=ui_ctx.ws, category="女性", name=name)
    picker = header.refresh(ui_ctx, tab, role="女性-甲")[tab.role]
    assert picker["choices"] == ["女性-乙", "女性-甲"] and picker["value"] == "女性-甲"
    assert header.refresh(ui_ctx, tab, role="女性-已删")[tab.role]["value"] == "女性-乙"


def test_the_status_panel_names_every_line(ui_ctx):
    tab = build_tab(header, ui_ctx)
    panel = header.show_status(ui_ctx, tab)[tab.status]
    for line in ("GPT-SoVITS 目录", "推理引擎", "语音识别模型", "说话人模型", "角色目录剩余空间"):
        assert line in panel
