"""RAS web UI entry point: command line -> Settings -> gr.Blocks -> launch.

Nothing heavy is imported here: GPT-SoVITS runs in worker processes and the
analysis models load where their feature runs.
"""
from __future__ import annotations

import atexit
import logging
import os
import sys

from ras.settings import Settings, parse_settings

TAB_TITLES = (  # (module key, i18n label key), in the order of the user's workflow
    ("roles", "角色"), ("import", "导入"), ("texts", "测试文本"), ("classify", "分类"), ("task", "任务"),
    ("infer", "推理"), ("evaluate", "评估"), ("long_text", "长文本"), ("split", "切分"), ("products", "成品"),
)


def build_app(ctx):
    import gradio as gr

    from tabs import api, api_tasks, clips, evaluate, header, importing, infer, roles, task, texts
    from tabs import api_classify, classify, split
    from tabs import api_products, long_text, products

    builders = {"roles": roles, "import": importing, "texts": texts, "task": task, "infer": infer,
                "evaluate": evaluate, "classify": classify, "split": split, "long_text": long_text,
                "products": products}
    with gr.Blocks(title="RAS · GPT-SoVITS") as app:
        built = {"app": app, "header": header.build(ctx)}
        with gr.Tabs(elem_id="main_tabs") as main_tabs:
            built["tabs"] = main_tabs
            for key, label in TAB_TITLES:
                with gr.Tab(ctx.i18n(label), id=key, elem_id=f"tab_{key}"):
                    built[key] = builders[key].build(ctx)
                    if key == "roles":
                        built["clips"] = clips.build(ctx)
        modules = {"header": header, "clips": clips, **builders}
        for key, module in modules.items():  # second pass: events may reach across tabs
            module.wire(built[key], ctx, built)
        api.register(ctx)
        api_classify.register(ctx)
        api_tasks.register(ctx)
        api_products.register(ctx)
    return app


def make_context(settings: Settings):
    from i18n import I18nAuto
    from ras import long_text
    from ras.analysis import Analyzer
    from ras.backend import Backend
    from ras.runner import Runner
    from ras.texts import ensure_default_texts
    from ras.workspace import Workspace
    from tabs.common import UIContext

    ws = Workspace(settings.roles_dir, settings.main_db_path)
    ensure_default_texts(ws=ws)
    backend = Backend(settings, log_dir=settings.roles_dir.parent / "logs")
    analyzer = Analyzer(ws, sv_model=settings.sv_model, asr_model=settings.asr_model, gsv_root=settings.gsv_root)
    runner = Runner(ws, backend.make_engines, job_timeout=settings.job_timeout, on_result=analyzer.submit)
    runner.add_result_listener(lambda role, job_id: long_text.after_result(ws, role, job_id))
    services = {"backend": backend, "analyzer": analyzer, "runner": runner}
    return UIContext(settings=settings, ws=ws, i18n=I18nAuto(settings.lang), services=services)


def start_services(ctx) -> None:
    """Resume what a killed process left: interrupted jobs, running tasks, pending analysis."""
    runner, analyzer = ctx.services["runner"], ctx.services["analyzer"]
    runner.resume_interrupted()
    for role in ctx.ws.role_names():
        analyzer.submit_pending(role)
    atexit.register(runner.shutdown)
    atexit.register(analyzer.shutdown)


def keyboard_script() -> str:
    """Scoring by keyboard (tabs/score_keys.js), loaded into every page."""
    from pathlib import Path

    return f"<script>{(Path(__file__).parent / 'tabs' / 'score_keys.js').read_text(encoding='utf-8')}</script>"


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    settings = parse_settings(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    ctx = make_context(settings)
    app = build_app(ctx)
    start_services(ctx)
    app.queue(default_concurrency_limit=4)
    app.launch(
        head=keyboard_script(),
        server_name=settings.host, server_port=settings.port, share=settings.share,
        auth=[settings.auth] if settings.auth else None, inbrowser=False,
        # only the roles folder (and Gradio's own temp folder) is served to the browser
        allowed_paths=[str(settings.roles_dir)], blocked_paths=[str(settings.main_db_path.parent / "ras.db")],
    )


if __name__ == "__main__":
    main(sys.argv[1:])
