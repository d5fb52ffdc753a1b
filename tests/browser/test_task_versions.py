"""The GPT-SoVITS version a task was made with, through the launched app: /task_status and the evaluate tab
show it, the product export documents it, and a task run after RAS was pointed at another api_v2 server
runs and warns with both versions (in /run_task's reply and as a warning in the page)."""
from __future__ import annotations

import json
import zipfile

import pytest

from tests.fixtures.app import role_with_references, wait_for
from tests.fixtures.browser import choose_role, open_tab, screenshot, wait_for_text
from tests.fixtures.gsv import REF_TEXT
from tests.fixtures.planted import launch_planted_app, start_planted_server
from tests.fixtures.planted_engine import Profile

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CLEAN = {"default": Profile(fail_rate=0.0)}


def create(client, role: str, clip_ids: list[int], text_id: int, **vary) -> int:
    spec = {"clip_ids": clip_ids, "text_ids": [text_id], "base": {"seed": 4}, "vary": vary}
    return client.predict(role, spec, api_name="/create_task")["task_id"]


def finished(client, role: str, task_id: int, total: int) -> dict:
    return wait_for(lambda: (s := client.predict(role, task_id, api_name="/task_status"))["done"] == total and s,
                    timeout=180, interval=0.5, what=f"{total} takes of task {task_id}")


def test_versions_are_shown_exported_and_a_changed_engine_warns(tmp_path, page):
    first = start_planted_server(tmp_path, CLEAN)
    second = start_planted_server(tmp_path, CLEAN)
    created_on, running_on = f"unknown (api_v2 at {first.url})", f"unknown (api_v2 at {second.url})"
    app = launch_planted_app(tmp_path, [first])
    try:
        client = app.client()
        role, clip_ids = role_with_references(client, tmp_path, "版本", "接口", voices=(("en+m3", REF_TEXT),))
        text_id = client.predict("The lake was calm this morning.", "en", "", api_name="/add_text")["id"]
        compared = create(client, role, clip_ids, text_id, gpt=["planted_a", "planted_b"])
        started = client.predict(role, compared, api_name="/run_task")
        assert started["status"] == "running" and started["warning"] == ""
        status = finished(client, role, compared, 2)
        assert status["gsv_version"] == created_on
        assert [(w["kind"], w["name"], w["version"]) for w in status["weight_versions"]] == [
            ("gpt", "planted_a.ckpt", "v2"), ("gpt", "planted_b.ckpt", "v2"), ("sovits", "planted_a.pth", "v2")]

        result_id = client.predict(role, compared, "duration", 1, 50, api_name="/list_results")["results"][0]["id"]
        product_id = client.predict(role, result_id, "versioned", api_name="/create_product")["product_id"]
        listed = client.predict(role, api_name="/list_products")["products"][0]
        assert listed["gsv_version"] == created_on and {w["version"] for w in listed["weight_versions"]} == {"v2"}
        with zipfile.ZipFile(client.predict(role, product_id, api_name="/export_product")["zip"]) as archive:
            settings = json.loads(archive.read("settings.json"))
            readme = archive.read("README.txt").decode("utf-8")
        assert settings["gpt_sovits_code_version"] == created_on and settings["sovits_weights"]["version"] == "v2"
        assert f"Made with GPT-SoVITS {created_on}" in readme
        by_api = create(client, role, clip_ids, text_id, top_k=[5, 15])
        by_page = create(client, role, clip_ids, text_id, top_k=[5, 15])
    finally:
        app.stop()

    app = launch_planted_app(tmp_path, [second])  # RAS restarted on another server, same roles folder
    try:
        client = app.client()
        started = client.predict(role, by_api, api_name="/run_task")
        assert started["status"] == "running"
        assert created_on in started["warning"] and running_on in started["warning"]
        assert started["version_change"] == {"created": created_on, "current": running_on}
        assert finished(client, role, by_api, 2)["gsv_version"] == created_on  # ran, and still says where it began

        page.goto(app.url)
        page.wait_for_selector("#header_role")
        choose_role(page, role)
        open_tab(page, "infer")
        page.click("#infer_task input")
        page.locator("ul[role='listbox'] li", has_text=f"#{by_page} ").first.click()
        page.click("#infer_run")
        toast = page.locator(".toast-wrap", has_text="GPT-SoVITS")
        toast.first.wait_for()
        # the page says the recorded versions in its language: an api_v2 server reports none
        created_words, running_words = (f"版本未知 (api_v2: {server.url})" for server in (first, second))
        assert created_words in toast.first.inner_text() and running_words in toast.first.inner_text()
        screenshot(page, "versions_changed_warning")
        finished(client, role, by_page, 2)

        open_tab(page, "evaluate")
        page.click("#evaluate_task input")
        page.locator("ul[role='listbox'] li", has_text=f"#{compared} ").first.click()
        page.click("#evaluate_show")
        wait_for_text(page, "#evaluate_summary", "planted_b.ckpt")  # the compared task's summary, not another's
        assert created_words in page.inner_text("#evaluate_summary")
        summary = page.inner_text("#evaluate_summary")
        assert "GPT planted_a.ckpt (v2), planted_b.ckpt (v2)" in summary and "SoVITS planted_a.pth (v2)" in summary
        screenshot(page, "versions_in_evaluate")
    finally:
        app.stop()
        first.kill()
        second.kill()
