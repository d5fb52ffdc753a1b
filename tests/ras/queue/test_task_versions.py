"""Tasks record the GPT-SoVITS code version and each weight's model version; a product keeps and exports
them; running a task on another code version (the checkout moved) runs it and says so with both versions.

The GPT-SoVITS root is laid out by the test as a checkout (a .git whose HEAD the test moves) holding
planted weight files; the takes come from the planted engine through the real queue runner."""
from __future__ import annotations

import json
import time
import zipfile

import pytest

from i18n import I18nAuto
from ras import results
from ras.library import importer, roles, texts
from ras.products import export as product_export
from ras.products import rows as products
from ras.queue import tasks, versions
from ras.queue.backend import Backend
from ras.queue.runner import Runner
from ras.queue.versions import RecordedVersions, VersionChange
from ras.settings import Settings
from ras.store.workspace import Workspace
from tabs.widgets import versions_line
from tests.fixtures.gsv import REF_TEXT, make_ref_wav
from tests.fixtures.planted import planted_weights_dir
from tests.fixtures.planted_engine import PlantedEngine, Profile, save_profiles

FIRST, SECOND = "1" * 40, "2" * 40


def checkout(root, commit: str) -> None:
    """Move the fake checkout's branch to `commit`, as `git pull` would."""
    heads = root / ".git" / "refs" / "heads"
    heads.mkdir(parents=True, exist_ok=True)
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (heads / "main").write_text(commit + "\n")


@pytest.fixture
def setup(tmp_path):
    root = tmp_path / "GPT-SoVITS"
    root.mkdir()
    for folder in planted_weights_dir(tmp_path).iterdir():
        folder.rename(root / folder.name)
    checkout(root, FIRST)
    ws = Workspace(tmp_path / "roles")
    role = roles.create_role(ws=ws, category="版本", name="记录")
    make_ref_wav(tmp_path / "ref.wav", REF_TEXT, voice="en+m3", speed=130)
    (tmp_path / "ref.list").write_text(f"{tmp_path / 'ref.wav'}|spk|en|{REF_TEXT}", encoding="utf-8")
    importer.import_list(ws=ws, role=role, list_path=tmp_path / "ref.list")
    text_id = texts.add_text(ws=ws, content="The lake was calm this morning.", lang="en")
    backend = Backend(Settings(roles_dir=tmp_path / "roles", gsv_root=root))
    engine = PlantedEngine(save_profiles(tmp_path / "profiles.json", {"default": Profile()}))
    runner = Runner(ws, lambda: [engine], code_version=backend.code_version)
    yield ws, role, root, backend, runner, text_id
    runner.shutdown()
    ws.close()


def make_task(ws, role, backend, text_id, **vary) -> int:
    spec = {"name": "v", "clip_ids": [1], "text_ids": [text_id], "base": {"seed": 5}, "vary": vary}
    return tasks.create_task(ws=ws, role=role, spec=spec, code_version=backend.code_version(),
                             **backend.weight_choosers()).task_id


def finished(runner, role, task_id) -> dict:
    deadline = time.time() + 120
    while time.time() < deadline:
        status = runner.status(role, task_id)
        if status.queued == status.running == 0 and status.state == "idle":
            return status
        time.sleep(0.3)
    raise TimeoutError(f"task {task_id} did not finish: {runner.status(role, task_id)}\n{runner.log_tail()}")


def test_a_task_records_the_checkout_and_its_weights_versions(setup):
    ws, role, root, backend, runner, text_id = setup
    task_id = make_task(ws, role, backend, text_id, gpt=["planted_a", "planted_b"])
    made_with = versions.task_versions(ws=ws, role=role, task_id=task_id)
    assert made_with.gsv_version == f"git {FIRST[:12]} (main)"
    assert [(w.kind, w.name, w.version) for w in made_with.weight_versions] == [
        ("gpt", "planted_a.ckpt", "v2"), ("gpt", "planted_b.ckpt", "v2"), ("sovits", "planted_a.pth", "v2")]
    assert all(w.file.startswith(str(root)) for w in made_with.weight_versions)
    # the task's status says the same (the API's /task_status)
    assert runner.status(role, task_id).versions == made_with
    # the evaluate tab's one line, in either language
    line = versions_line(I18nAuto("en_US"), made_with)
    assert line == (f"GPT-SoVITS git {FIRST[:12]} (main) · GPT `planted_a.ckpt` (v2), `planted_b.ckpt` (v2)"
                    " · SoVITS `planted_a.pth` (v2)")


def test_running_on_a_moved_checkout_runs_and_warns_with_both_versions(setup):
    ws, role, root, backend, runner, text_id = setup
    same = make_task(ws, role, backend, text_id, top_k=[5, 15])
    moved = make_task(ws, role, backend, text_id, top_k=[5, 15])
    started = runner.run_task(role, same)
    assert started.status == "running" and started.warning == "" and started.version_change is None
    assert finished(runner, role, same).done == 2

    checkout(root, SECOND)  # upstream pulled: the default top_k, decoding... may have changed
    started = runner.run_task(role, moved)
    assert started.status == "running"
    assert f"git {FIRST[:12]} (main)" in started.warning and f"git {SECOND[:12]} (main)" in started.warning
    assert started.version_change == VersionChange(created=f"git {FIRST[:12]} (main)",
                                                   current=f"git {SECOND[:12]} (main)")
    assert finished(runner, role, moved).done == 2  # the run went ahead
    # what the task was created on stays what it shows
    assert versions.task_versions(ws=ws, role=role, task_id=moved).gsv_version == f"git {FIRST[:12]} (main)"


def test_a_task_made_without_gsv_records_at_its_first_run(setup):
    ws, role, root, backend, runner, text_id = setup
    spec = {"name": "later", "clip_ids": [1], "text_ids": [text_id], "base": {"seed": 1}}
    task_id = tasks.create_task(ws=ws, role=role, spec=spec).task_id  # no GPT-SoVITS configured then
    assert versions.task_versions(ws=ws, role=role, task_id=task_id) == RecordedVersions(None, None)
    assert "not recorded" in versions_line(I18nAuto("en_US"), versions.task_versions(ws=ws, role=role, task_id=task_id))
    started = runner.run_task(role, task_id)
    assert started.warning == ""  # nothing to compare with: its results all come from this version
    assert versions.task_versions(ws=ws, role=role, task_id=task_id).gsv_version == f"git {FIRST[:12]} (main)"
    finished(runner, role, task_id)


def test_a_product_keeps_and_exports_the_versions_of_its_task(setup):
    ws, role, root, backend, runner, text_id = setup
    task_id = make_task(ws, role, backend, text_id, gpt=["planted_a", "planted_b"])
    runner.run_task(role, task_id)
    finished(runner, role, task_id)
    checkout(root, SECOND)  # the product keeps what its take was made with, not what runs now
    result_id = tasks_results(ws, role, task_id)[-1]
    product_id = products.create_product(ws=ws, role=role, result_id=result_id, name="versioned")
    listed = products.get_product(ws=ws, role=role, product_id=product_id)
    assert listed.gsv_version == f"git {FIRST[:12]} (main)"
    assert [(w["name"], w["version"]) for w in listed.weight_versions] == [("planted_b.ckpt", "v2"),
                                                                             ("planted_a.pth", "v2")]
    with zipfile.ZipFile(product_export.export_product(ws=ws, role=role, product_id=product_id)) as archive:
        settings = json.loads(archive.read("settings.json"))
        readme = archive.read("README.txt").decode("utf-8")
    assert settings["gpt_sovits_code_version"] == f"git {FIRST[:12]} (main)"
    assert settings["gpt_weights"]["version"] == "v2" and settings["sovits_weights"]["version"] == "v2"
    assert f"Made with GPT-SoVITS git {FIRST[:12]} (main)" in readme
    assert "planted_b.ckpt (v2)" in readme and "planted_a.pth (v2)" in readme


def tasks_results(ws, role, task_id) -> list[int]:
    return sorted(r.id for r in results.list_results(ws=ws, role=role, task_id=task_id).results)


def test_the_pypi_build_records_its_package_version(tiny_gsv, tmp_path):
    """A root holding only weights, with GPT-SoVITS's code installed in its runtime (gpt-sovits-cpufast):
    the installed package's version is what runs, so that is what tasks record."""
    backend = Backend(Settings(roles_dir=tmp_path / "roles", gsv_root=tiny_gsv.root, gsv_python=tiny_gsv.python))
    assert backend.code_version() == "gpt-sovits-cpufast 0.1.0"
    assert backend.local_code_version() == "gpt-sovits-cpufast 0.1.0"  # /status shows the same
