"""Every tab builds; every component has a stable elem_id for browser tests."""
from pathlib import Path

import gradio as gr

import webui_ras
from ras.settings import Settings


def test_every_tab_builds_and_components_have_elem_ids(tmp_path):
    ctx = webui_ras.make_context(Settings(roles_dir=tmp_path / "roles"))
    app = webui_ras.build_app(ctx)
    tab_ids = {block.elem_id for block in app.blocks.values() if isinstance(block, gr.Tab)}
    assert {f"tab_{key}" for key in (entry.tab_id for entry in webui_ras.TABS)} <= tab_ids
    inputs = [b for b in app.blocks.values() if isinstance(b, (gr.Button, gr.Textbox, gr.Dropdown, gr.Dataframe,
                                                             gr.Number, gr.Slider, gr.Audio, gr.Checkbox))]
    missing = [type(b).__name__ + ":" + str(getattr(b, "label", "")) for b in inputs if not b.elem_id]
    assert not missing


def test_api_names_of_the_contract_exist(tmp_path):
    ctx = webui_ras.make_context(Settings(roles_dir=tmp_path / "roles"))
    app = webui_ras.build_app(ctx)
    names = {fn.api_name for fn in app.fns.values()}
    assert {"create_role", "list_roles", "delete_role", "import_list", "list_clips", "update_clip", "add_text",
            "list_texts"} <= names


def test_web_start_up_imports_no_torch(tmp_path):
    import subprocess
    import sys

    code = ("import sys, webui_ras; from ras.settings import Settings; "
            "webui_ras.build_app(webui_ras.make_context("
            f"Settings(roles_dir=__import__('pathlib').Path({str(tmp_path)!r})/'r'))); "
            "bad=[m for m in ('torch','GPT_SoVITS','TTS_infer_pack','librosa','onnxruntime') if m in sys.modules]; "
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], cwd=webui_ras.__file__.rsplit("/", 1)[0],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_gradio_queue_does_not_summarise_every_past_event_after_each_poll(monkeypatch):
    """Progress polls over hours must not each pay for a summary of thousands of past events."""
    for name in webui_ras.GRADIO_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GRADIO_ANALYTICS_MAX_EVENTS", "500")  # what a user set stays
    webui_ras.set_gradio_environment()
    with gr.Blocks() as blocks:
        gr.Button("x", elem_id="x")
    queue = blocks.queue()._queue
    assert queue.ANALYTICS_MAX_EVENTS == 500
    assert queue.ANAYLTICS_CACHE_FREQUENCY == 1000  # Gradio's own spelling of the setting


def test_no_event_waits_for_a_hidden_state_to_change(tmp_path):
    """On a busy machine the page re-sent one change of a gr.State to its listeners over and over (the
    long-text try pickers were listed anew every few tenths of a second, each emptying the player a person
    had just started): what a State holds is read by handlers, and nothing listens for it to change."""
    app = webui_ras.build_app(webui_ras.make_context(Settings(roles_dir=tmp_path / "roles")))
    states = {block_id for block_id, block in app.blocks.items() if isinstance(block, gr.State)}
    listening = [fn.name for fn in app.fns.values() for target, event in fn.targets if target in states]
    assert states and listening == []


def test_building_the_app_writes_no_stub_files_into_the_project(tmp_path):
    """Gradio writes a .pyi copy beside a module that defines a component subclass; RAS's own ones skip it."""
    project = Path(webui_ras.__file__).resolve().parent
    webui_ras.build_app(webui_ras.make_context(Settings(roles_dir=tmp_path / "roles")))
    assert sorted(str(p.relative_to(project)) for p in project.glob("[!.]*/**/*.pyi")) == []
