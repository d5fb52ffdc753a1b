"""RAS web UI entry point: command line -> Settings -> gr.Blocks -> launch.

Nothing heavy is imported here: GPT-SoVITS runs in worker processes and the
analysis models load where their feature runs.
"""
from __future__ import annotations

import atexit
import logging
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import gradio as gr
from gradio import networking

from i18n import GRADIO_MISSING_KEYS, I18nAuto
from ras.analysis.analysis_process import AnalysisLimits, analysis_process_count
from ras.analysis.analyzer import Analyzer
from ras.analysis.emotion_tagging import EmotionTagger
from ras.finder.driver import FinderDriver
from ras.library.texts import ensure_default_texts
from ras.long_text import runs as long_text_runs
from ras.metrics.asr_models import AsrSearch
from ras.metrics.emotion_model import find_emotion_model
from ras.queue.backend import Backend
from ras.queue.runner import Runner
from ras.settings import Settings, parse_settings
from ras.store.workspace import Workspace
from tabs import (
    ab,
    api,
    api_ab,
    api_classify,
    api_finder,
    api_products,
    api_status,
    api_tasks,
    checkpoint,
    classify,
    clips,
    evaluate,
    finder,
    header,
    importing,
    infer,
    long_text,
    page_events,
    page_language,
    products,
    roles,
    split,
    task,
    texts,
)
from tabs.common import Page, UIContext
from tabs.shortcuts import AbPickers, LongTextPicker, ProductForm


@dataclass(frozen=True)
class TabEntry:
    key: str  # the BuiltTabs field
    tab_id: str  # the page's tab id (elem_id "tab_<tab_id>")
    label: str  # i18n key
    module: ModuleType


# in the order of the user's workflow; the clip browser sits under Roles
TABS = (
    TabEntry("roles", "roles", "角色", roles), TabEntry("importing", "import", "导入", importing),
    TabEntry("texts", "texts", "测试文本", texts), TabEntry("classify", "classify", "分类", classify),
    TabEntry("finder", "finder", "找参考", finder), TabEntry("checkpoint", "checkpoint", "找模型", checkpoint),
    TabEntry("task", "task", "任务", task), TabEntry("infer", "infer", "推理", infer),
    TabEntry("evaluate", "evaluate", "评估", evaluate), TabEntry("ab", "ab", "盲听对比", ab),
    TabEntry("long_text", "long_text", "长文本", long_text),
    TabEntry("split", "split", "切分", split), TabEntry("products", "products", "成品", products),
)
SUB_TABS = {"roles": (("clips", clips),)}  # built inside another tab's page
# what a tab's wire() may take from other tabs: a component, or a shortcut's bundle of them
CrossTabLink = gr.components.Component | ProductForm | AbPickers | LongTextPicker
API_MODULES = (api, api_classify, api_tasks, api_products, api_ab, api_status, api_finder)


@dataclass
class BuiltTabs:
    """Every tab's components, kept until the second pass has wired the events across tabs."""

    app: gr.Blocks
    tabs: gr.Tabs
    header: header.HeaderTab
    roles: roles.RolesTab
    clips: clips.ClipsTab
    importing: importing.ImportTab
    texts: texts.TextsTab
    classify: classify.ClassifyTab
    finder: finder.FinderTab
    checkpoint: checkpoint.CheckpointTab
    task: task.TaskTab
    infer: infer.InferTab
    evaluate: evaluate.EvaluateTab
    ab: ab.AbTab
    long_text: long_text.LongTextTab
    split: split.SplitTab
    products: products.ProductsTab


def cross_tab_links(built: BuiltTabs) -> dict[str, dict[str, CrossTabLink]]:
    """The components of other tabs that a tab's wire() takes as keyword arguments."""
    product_form = ProductForm(built.tabs, built.products.result_id, built.products.name, built.products.note)
    ab_pickers = AbPickers(built.tabs, built.ab.task, built.ab.session)
    long_text_picker = LongTextPicker(built.tabs, built.long_text.results)
    return {
        "importing": {"roles_table": built.roles.table},
        "task": {"group_clip_ids": built.classify.group_clip_ids},
        "infer": {"task_created": built.task.create, "created_task_id": built.task.task_id},
        "evaluate": {"product_form": product_form},
        "ab": {"product_form": product_form, "evaluate_ab": built.evaluate.ab, "evaluate_task": built.evaluate.task},
        "finder": {"product_form": product_form, "ab_pickers": ab_pickers, "long_text_picker": long_text_picker},
        "checkpoint": {"product_form": product_form, "ab_pickers": ab_pickers},
    }


def build_app(ctx: UIContext) -> gr.Blocks:
    with gr.Blocks(title="RAS · GPT-SoVITS") as app:
        parts = {"app": app, "header": header.build(ctx)}
        with gr.Tabs(elem_id="main_tabs") as main_tabs:
            parts["tabs"] = main_tabs
            for entry in TABS:
                with gr.Tab(ctx.i18n(entry.label), id=entry.tab_id, elem_id=f"tab_{entry.tab_id}"):
                    parts[entry.key] = entry.module.build(ctx)
                    for sub_key, sub_module in SUB_TABS.get(entry.key, ()):
                        parts[sub_key] = sub_module.build(ctx)
        built = BuiltTabs(**parts)
        page = Page(app=app, tabs=main_tabs, role=built.header.role, refresh_roles=built.header.refresh)
        links = cross_tab_links(built)
        header.wire(built.header, ctx, page)  # second pass: events may reach across tabs
        for entry in TABS:
            entry.module.wire(getattr(built, entry.key), ctx, page, **links.get(entry.key, {}))
            for sub_key, sub_module in SUB_TABS.get(entry.key, ()):
                sub_module.wire(getattr(built, sub_key), ctx, page, **links.get(sub_key, {}))
        page_events.merge_listeners(app, page.role)  # one event, not one per tab, when the role changes
        for module in API_MODULES:
            module.register(ctx)
        page_language.follow_visitors(app, ctx.i18n)
        page_events.merge_listeners(app, app, "load")  # one event, not one per tab, when the page opens
        page_events.quiet_progress(app)  # last: every event is wired
    return app


def make_context(settings: Settings) -> UIContext:
    ws = Workspace(settings.roles_dir, settings.main_db_path)
    ensure_default_texts(ws=ws)
    backend = Backend(settings, log_dir=settings.roles_dir.parent / "logs")
    analyzer = Analyzer(ws, sv_model=settings.sv_model, asr_model=settings.asr_model, gsv_root=settings.gsv_root,
                        asr_device=settings.asr_device,
                        processes=analysis_process_count(os.cpu_count(), settings.busy_cores()),
                        limits=AnalysisLimits(settings.analysis_timeout, settings.analysis_timeout_per_second,
                                              settings.analysis_load_allowance))
    runner = Runner(ws, backend.make_engines, job_timeout=settings.job_timeout, on_result=analyzer.submit,
                    code_version=backend.code_version, in_analysis=analyzer.in_flight)
    # analysis loads its models while the GPT-SoVITS worker loads its own: a fresh app's first task
    # was analysed 1.6 s sooner (of 12.5 s), its takes landing as soon as before
    runner.add_start_listener(analyzer.start_for_task)
    runner.add_result_listener(lambda role, job_id: long_text_runs.after_result(ws, role, job_id))
    analyzer.add_listener(lambda role, job_id: long_text_runs.after_analysis(ws, runner, role, job_id))
    finder = FinderDriver(ws, runner, encoder=analyzer.speaker_encoder, asr=analyzer.asr)
    runner.add_result_listener(finder.on_result)
    emotion_tagger = EmotionTagger(ws, lambda: find_emotion_model(AsrSearch.from_environment(
        override=settings.emotion_model)), device=settings.asr_device)
    return UIContext(settings=settings, ws=ws, i18n=I18nAuto(settings.lang), backend=backend, runner=runner,
                     analyzer=analyzer, finder=finder, emotion_tagger=emotion_tagger)


def start_services(ctx: UIContext) -> None:
    """Resume what a killed process left: interrupted jobs, running tasks, pending analysis, finder runs."""
    runner, analyzer = ctx.runner, ctx.analyzer
    runner.resume_interrupted()
    for role in ctx.ws.role_names():
        analyzer.submit_pending(role)
        long_text_runs.review_unsettled(ctx.ws, runner, role)
    ctx.finder.start()
    atexit.register(ctx.finder.stop)
    atexit.register(runner.shutdown)
    atexit.register(analyzer.shutdown)


KEYBOARD_SCRIPTS = ("score_keys.js", "ab_keys.js")  # scoring and blind A/B answers by key


def keyboard_script() -> str:
    """The keyboard helpers in tabs/, loaded into every page."""
    folder = Path(__file__).parent / "tabs"
    return "".join(f"<script>{(folder / name).read_text(encoding='utf-8')}</script>" for name in KEYBOARD_SCRIPTS)


def patient_start_check(seconds: float = 60) -> None:
    """Gradio's launch() asks the new server for its page once, gives up after one 3-second timeout
    and then stops the app. On a machine busy training GPT-SoVITS the first page can take longer
    to build, so ask again until `seconds` have passed."""
    quick_check = networking.url_ok

    def patient_check(url: str) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if quick_check(url):
                return True
            time.sleep(0.5)
        return False

    networking.url_ok = patient_check


# Gradio settings read from the environment, each unless the user set it there. Analytics are off.
# Gradio's queue rebuilds a pandas summary of its last (up to 10,000) events after every event, for a
# monitoring page RAS does not use: measured 5 ms of web-process CPU per progress poll at first and
# 19 ms once a few hours of polling have filled it. Once per 1,000 events over the last 1,000, the
# summary costs nothing.
GRADIO_ENVIRONMENT = {
    "GRADIO_ANALYTICS_ENABLED": "False",
    "GRADIO_ANALYTICS_CACHE_FREQUENCY": "1000",
    "GRADIO_ANALYTICS_MAX_EVENTS": "1000",
}


def set_gradio_environment() -> None:
    for name, value in GRADIO_ENVIRONMENT.items():
        os.environ.setdefault(name, value)


def main(argv: list[str] | None = None) -> None:
    set_gradio_environment()
    settings = parse_settings(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    ctx = make_context(settings)
    app = build_app(ctx)
    start_services(ctx)
    app.queue(default_concurrency_limit=4)
    patient_start_check()
    app.launch(
        head=keyboard_script(),
        i18n=gr.I18n(**(ctx.i18n.browser_tables() if ctx.i18n.follows_visitor else GRADIO_MISSING_KEYS)),
        server_name=settings.host, server_port=settings.port, share=settings.share,
        auth=[settings.auth] if settings.auth else None, inbrowser=False,
        # only the roles folder (and Gradio's own temp folder) is served to the browser
        allowed_paths=[str(settings.roles_dir)], blocked_paths=[str(settings.main_db_path.parent / "ras.db")],
    )


if __name__ == "__main__":
    main(sys.argv[1:])
