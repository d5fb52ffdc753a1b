"""The long-text and products tabs in a real browser, on the tiny real GPT-SoVITS."""
from __future__ import annotations

import pytest

from tests.fixtures.app import wait_for
from tests.fixtures.browser import choose_role, open_tab, screenshot, tables_cut_off, wait_for_text
from tests.fixtures.gsv import make_ref_wav

pytestmark = [pytest.mark.browser, pytest.mark.gsv, pytest.mark.slow]
LONG_TEXT = "The lamp was lit. The door stood open. A cat slept on the warm stone step."


@pytest.fixture(scope="module")
def product_and_run(gsv_app, tmp_path_factory):
    client, data = gsv_app.client(), tmp_path_factory.mktemp("browser_products")
    sentence = "The first voice reads this sentence slowly for us."
    make_ref_wav(data / "r.wav", sentence, voice="en+m3", speed=130)
    (data / "r.list").write_text(f"{data / 'r.wav'}|spk|en|{sentence}", encoding="utf-8")
    role = client.predict("浏览器", "成品", api_name="/create_role")["role"]
    client.predict(role, str(data / "r.list"), True, api_name="/import_list")
    clip_ids = [c["id"] for c in client.predict(role, api_name="/list_clips")["clips"]]
    text_id = client.predict("Good evening, the tiny model speaks.", "en", "short", api_name="/add_text")["id"]
    models = client.predict(api_name="/list_models")
    spec = {"name": "one", "clip_ids": clip_ids, "text_ids": [text_id],
            "base": {"gpt": models["gpt"][0]["file"], "sovits": models["sovits"][0]["file"], "seed": 3,
                     "text_split_method": "cut4"}}
    task_id = client.predict(role, spec, api_name="/create_task")["task_id"]
    client.predict(role, task_id, api_name="/run_task")
    wait_for(lambda: client.predict(role, task_id, api_name="/task_status")["done"] == 1, timeout=300,
             interval=1, what="the task")
    result_id = client.predict(role, task_id, "id", 1, 50, api_name="/list_results")["results"][0]["id"]
    run_id = client.predict(role, [result_id], LONG_TEXT, api_name="/long_text")["run_id"]
    wait_for(lambda: all(p["joined_audio"] for p in
                         client.predict(role, run_id, api_name="/long_text_status")["parts"]),
             timeout=300, interval=1, what="the joined long text")
    client.predict(role, result_id, "browser-hero", api_name="/create_product")
    return role


def test_products_tab_lists_and_exports_the_product(page, gsv_app, product_and_run):
    page.goto(gsv_app.url)
    page.wait_for_selector("#header_role")
    choose_role(page, product_and_run)
    open_tab(page, "products")
    wait_for_text(page, "#products_table", "browser-hero")
    page.click("#products_export")
    wait_for_text(page, "#products_file", "product_")
    page.fill("#products_tts_text textarea", "Hello there, this is the product.")
    page.click("#products_synthesize")
    page.wait_for_selector("#products_tts_audio audio[src]", state="attached", timeout=60_000)
    screenshot(page, "tab_products")
    assert tables_cut_off(page) == []  # every column in view
