"""The role picker above the tabs: every tab works on the role chosen here."""
from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from ras.metrics.asr_fetch import standard_model
from ras.metrics.asr_models import BUNDLED_LABEL
from ras.settings import Settings
from ras.status import (
    MachineStatus,
    asr_status,
    fetch_asr_model,
    languages_in_use,
    languages_without_asr,
    machine_status,
)
from tabs.common import Page, UIContext, connect, connect_each, handles
from tabs.widgets import refresh_button, refreshed_roles, role_choices


@dataclass(frozen=True)
class HeaderTab:
    role: gr.Dropdown
    refresh: gr.Button
    status_panel: gr.Accordion  # closed at first: the status is read when it is opened
    status: gr.Markdown
    status_refresh: gr.Button
    asr_fetch: gr.Button  # shown while a language the roles use has no speech recognition model
    last_role: gr.BrowserState


# The role last used is remembered by each browser, not in the server's settings: when two people share one
# RAS (--share with --auth, or a studio's machine), each page opens on the role its own user left, instead
# of switching to whatever the other person picked last.
LAST_ROLE_KEY = "ras_last_role"


def build(ctx: UIContext) -> HeaderTab:
    i18n = ctx.i18n
    gr.Markdown(f"## RAS · {i18n('GPT-SoVITS 参考音频筛选')}", elem_id="header_title")
    with gr.Row(equal_height=True):
        names = role_choices(ctx)
        role = gr.Dropdown(
            label=i18n("当前角色"), choices=names, value=names[0] if names else None,
            info=i18n("所有标签页都作用于这里选择的角色"), elem_id="header_role", scale=4,
        )
        refresh = refresh_button(i18n, "header_refresh", min_width=120)
    with gr.Accordion(i18n("本机状态"), open=False, elem_id="header_status_panel") as status_panel:
        status = gr.Markdown(elem_id="header_status")
        with gr.Row():
            status_refresh = refresh_button(i18n, "header_status_refresh", min_width=120)
            asr_fetch = gr.Button(i18n("下载缺少的语音识别模型"), visible=False, elem_id="header_asr_fetch")
    last_role = gr.BrowserState(None, storage_key=LAST_ROLE_KEY)
    return HeaderTab(role=role, refresh=refresh, status_panel=status_panel, status=status,
                     status_refresh=status_refresh, asr_fetch=asr_fetch, last_role=last_role)




def _line(label: str, value, note: str = "") -> str:
    return f"- **{label}**: {value}" + (f"  \n  {note}" if note else "")


def _setup_lines(i18n, found: MachineStatus, settings: Settings) -> list[str]:
    """GPT-SoVITS's folder, version, engines and models: whether this setup needs them, and how to get them."""
    through_api = bool(settings.engine_urls)
    none = i18n("未找到")
    if found.gsv_root:
        folder = _line(i18n("GPT-SoVITS 目录"), f"`{found.gsv_root}`")
    elif through_api:
        note = (i18n("使用 api_v2 时不需要：合成在 api_v2 服务上进行。")
                + i18n("只有在本机运行 GPT-SoVITS 时才用 --gsv-root。"))
        folder = _line(i18n("GPT-SoVITS 目录"), i18n("未设置"), note)
    else:
        note = (i18n("需要其一才能合成：用 --gsv-root 指向 GPT-SoVITS 文件夹，")
                + i18n("或用 --engine-url 连接正在运行的 api_v2。"))
        folder = _line(i18n("GPT-SoVITS 目录"), none, note)
    note = "" if found.gsv_version else i18n("任务和成品会记下生成它们的版本；没有 --gsv-root 时记为“未记录”。")
    version = _line(i18n("GPT-SoVITS 版本"), f"`{found.gsv_version}`" if found.gsv_version else i18n("未知"), note)
    states = {"not started": i18n("未启动"), "idle": i18n("空闲"), "busy": i18n("运行中")}
    engines = ", ".join(f"{e.name} ({states.get(e.state, e.state)})" for e in found.engines)
    engine_line = _line(i18n("推理引擎"), engines or none,
                        "" if engines else i18n("没有引擎就无法合成：用 --engine-url 或 --gsv-root 启动 RAS。"))
    weights = ", ".join(f"{version} × {count}" for version, count in found.weights.items())
    if weights:
        weights_note = ""
    elif through_api:
        weights_note = (i18n("使用 api_v2 时，任务用该服务已加载的模型；")
                        + i18n("要在任务中比较其他模型文件，用 --weights-dir 指向其文件夹。"))
    else:
        weights_note = i18n("没有找到模型文件：用 --gsv-root 或 --weights-dir 指向模型文件夹。")
    weights_value = weights or (i18n("无") if through_api else none)
    return [folder, version, engine_line, _line(i18n("模型（按版本计数）"), weights_value, weights_note)]


def _asr_line(i18n, found: MachineStatus, used: set[str]) -> str:
    """Which model hears each language (and with which backend); what a language without one costs, the
    languages the roles use among them, and how to get a model."""
    served = []
    for lang, model in found.asr.items():
        if model is not None:
            letters = f", {i18n('英语按字母计错（tiny.en 的词级错误太多）')}" if model.model == BUNDLED_LABEL else ""
            served.append(f"{lang}: `{model.model}` ({model.backend}{letters})")
    unheard = [lang for lang, model in found.asr.items() if model is None]
    value = "; ".join(served) or i18n("无")
    notes = []
    if unheard:
        value += f" · {i18n('没有模型')}: {', '.join(unheard)}"
        notes.append(i18n("这些语言的合成结果不计算识别错误率（CER），自动评分少这一项，切分时也不能自动转写。")
                     + i18n("获取：用 --asr-model 指向 FunASR 或 faster-whisper 模型文件夹，")
                     + i18n("或放进 GPT-SoVITS 的 tools/asr/models。"))
    missing = languages_without_asr(found.asr, used)
    if missing:
        wanted = ", ".join(f"{lang} → `{standard_model(lang).model_id}`" for lang in missing)
        notes.append(f"**{i18n('角色用到这些语言却没有模型，听不出吞字和错字')}**: {', '.join(missing)}. "
                     f"{i18n('可从 ModelScope 下载标准模型')}: {wanted}")
    if found.asr_refused:
        notes.append(f"{i18n('未采用的模型目录')}: " + "; ".join(found.asr_refused))
    return _line(i18n("语音识别模型"), value, "  \n  ".join(notes))


def _analysis_lines(i18n, found: MachineStatus, settings: Settings, used: set[str]) -> list[str]:
    """The models that score each take, and what a missing one costs."""
    speaker = found.speaker_encoder
    unused = found.unused_sv_checkpoint
    speaker_note = f"{i18n('已找到 GPT-SoVITS v2Pro 的声纹模型（更准）')}: `--sv-model {unused}`" if unused else ""
    backlog_note = i18n("这些结果的指标还在计算中。") if found.analysis_backlog else ""
    return [_asr_line(i18n, found, used),
            _line(i18n("说话人模型"), f"`{speaker}`", speaker_note),
            _line(i18n("待分析结果"), found.analysis_backlog, backlog_note),
            _line(i18n("分析失败的结果"), found.analysis_failed,
                  i18n("分析进程卡住或出错时放弃了这些结果；结果列表里每条都写明了原因。")
                  if found.analysis_failed else ""),
            _line(i18n("角色目录剩余空间"), f"{found.disk_free_bytes / 1e9:.1f} GB")]


def status_markdown(i18n, found: MachineStatus, settings: Settings, used: set[str] = frozenset()) -> str:
    """What RAS found on this machine, each line with what it means for this setup (api_v2 or a local
    GPT-SoVITS): not needed, what its absence costs, how to get it. `used`: the languages the roles use."""
    return "\n".join(_setup_lines(i18n, found, settings) + _analysis_lines(i18n, found, settings, used))


@handles("读取角色失败")
def refresh(ctx: UIContext, tab: HeaderTab, *, role: str | None) -> dict:
    return {tab.role: refreshed_roles(ctx, role)}


@handles("读取角色失败")
def open_last_role(ctx: UIContext, tab: HeaderTab, *, role: str | None, last_role: str | None) -> dict:
    """The page opens on the role this browser used last (while it still exists). Without one (or on the
    role already shown) the picker's value is not sent: a role picked while the page was loading stays."""
    update = refreshed_roles(ctx, last_role or role)
    if update.get("value") == role:
        update.pop("value")
    return {tab.role: update}


@handles("读取角色失败")
def remember_role(ctx: UIContext, tab: HeaderTab, *, role: str | None) -> dict:
    return {tab.last_role: role}


def _status_view(ctx: UIContext, tab: HeaderTab) -> dict:
    found = machine_status(settings=ctx.settings, backend=ctx.backend, runner=ctx.runner, analyzer=ctx.analyzer)
    used = languages_in_use(ctx.ws)
    missing = languages_without_asr(found.asr, used)
    fetch = gr.update(visible=bool(missing),
                      value=f"{ctx.i18n('下载缺少的语音识别模型')}: {', '.join(missing)}" if missing else None)
    return {tab.status: status_markdown(ctx.i18n, found, ctx.settings, used), tab.asr_fetch: fetch}


@handles("读取状态失败")
def show_status(ctx: UIContext, tab: HeaderTab) -> dict:
    return _status_view(ctx, tab)


@handles("下载语音识别模型失败")
def fetch_missing_asr(ctx: UIContext, tab: HeaderTab, *, progress=gr.Progress()) -> dict:
    """Download the standard model of each language the roles use that no model hears, one at a time."""
    ready = []
    for lang in languages_without_asr(asr_status(ctx.settings), languages_in_use(ctx.ws)):
        what = f"{lang}: {standard_model(lang).model_id}"
        progress(0, desc=what)
        fetched = fetch_asr_model(settings=ctx.settings, lang=lang, progress=lambda got, total, what=what: progress(
            (round(got / 1e6), round(total / 1e6)), desc=what, unit="MB"))
        ready.append(f"{lang} → {fetched.model}")
    if ready:
        gr.Info(f"{ctx.i18n('语音识别模型已就绪')}: {'; '.join(ready)}")
    return _status_view(ctx, tab)


def wire(tab: HeaderTab, ctx: UIContext, page: Page) -> None:
    connect(ctx, tab.refresh.click, refresh, tab, {"role": tab.role}, tab.role)
    # on load: a reopened page sees roles made since start-up, on the role this browser used last
    connect(ctx, page.app.load, open_last_role, tab, {"role": tab.role, "last_role": tab.last_role}, tab.role)
    connect(ctx, tab.role.change, remember_role, tab, {"role": tab.role}, tab.last_role)
    # read when the panel is opened, not on every page load: it opens each role's database
    connect_each(ctx, (tab.status_refresh.click, tab.status_panel.expand), show_status, tab, None,
                 [tab.status, tab.asr_fetch])
    connect(ctx, tab.asr_fetch.click, fetch_missing_asr, tab, None, [tab.status, tab.asr_fetch])
