"""The evaluate tab in a real browser, on results from the tiny real GPT-SoVITS."""
from __future__ import annotations

import pytest

from tests.fixtures.app import role_with_references, wait_for
from tests.fixtures.browser import choose_role, open_tab, screenshot, tables_cut_off, wait_for_count, wait_for_text

pytestmark = [pytest.mark.browser, pytest.mark.gsv, pytest.mark.slow]


@pytest.fixture(scope="module")
def finished_task(gsv_app, tmp_path_factory):
    client = gsv_app.client()
    role, clip_ids = role_with_references(client, tmp_path_factory.mktemp("browser_refs"), "浏览器", "评估")
    text_id = client.predict("Good morning, the tiny model speaks.", "en", "short", api_name="/add_text")["id"]
    models = client.predict(api_name="/list_models")
    spec = {"name": "top_k", "clip_ids": clip_ids, "text_ids": [text_id], "vary": {"top_k": [5, 20]},
            "base": {"gpt": models["gpt"][0]["file"], "sovits": models["sovits"][0]["file"], "seed": 2}}
    task_id = client.predict(role, spec, api_name="/create_task")["task_id"]
    client.predict(role, task_id, api_name="/run_task")
    wait_for(lambda: (p := client.predict(role, task_id, "duration", 1, 50, api_name="/list_results"))["total"] == 4
             and all(r["spectrogram"] for r in p["results"]), timeout=300, interval=1, what="4 analysed results")
    return client, role, task_id


def test_evaluate_tab_shows_players_and_spectrograms_and_saves_a_score(page, gsv_app, finished_task):
    client, role, task_id = finished_task
    page.goto(gsv_app.url)
    page.wait_for_selector("#header_role")
    choose_role(page, role)
    open_tab(page, "evaluate")
    open_tab(page, "infer")  # the role change refreshes both task pickers
    wait_for_text(page, "#infer_progress", "4/4")
    screenshot(page, "tab_infer_done")
    open_tab(page, "evaluate")
    page.click("#evaluate_show")
    wait_for_text(page, "#evaluate_summary", "共 4 条结果")
    # a player per result, loaded with its wav (the download link carries the served file)
    wait_for_count(page, "[id^=evaluate_audio_] a[href$='.wav']", 4, distinct="[id^=evaluate_audio_]")
    wait_for_count(page, "[id^=evaluate_audio_] audio", 4, distinct="[id^=evaluate_audio_]")
    wait_for_count(page, "[id^=evaluate_spectrogram_] img", 4, distinct="[id^=evaluate_spectrogram_]")
    assert page.locator("#evaluate_slot_4").is_hidden()

    page.locator("#evaluate_score_0 label", has_text="4").click()
    first_id = int(page.inner_text("#evaluate_info_0").split("#", 1)[1].split()[0])
    wait_for(lambda: next(r for r in client.predict(role, task_id, "id", 1, 50, api_name="/list_results")["results"]
                          if r["id"] == first_id)["score"] == 4, timeout=20, what="the score to be saved")
    # keyboard scoring: play the second take, press 2
    second_id = int(page.inner_text("#evaluate_info_1").split("#", 1)[1].split()[0])
    page.locator("#evaluate_audio_1 button.play-pause-button").first.click()
    page.keyboard.press("2")
    wait_for(lambda: next(r for r in client.predict(role, task_id, "id", 1, 50, api_name="/list_results")["results"]
                          if r["id"] == second_id)["score"] == 2, timeout=20, what="the keyboard score to be saved")
    assert page.locator("#evaluate_score_1 input[value='2']").is_checked()

    page.click("#evaluate_compare")
    wait_for_text(page, "#evaluate_compare_table", "top_k=5")
    screenshot(page, "tab_evaluate")
    assert tables_cut_off(page) == []  # every column in view

    # keeping a take opens the products tab with its form filled in; the user only confirms
    page.locator("#evaluate_note_0 textarea").fill("warm, calm")
    page.click("#evaluate_keep_0")
    page.wait_for_selector("#products_create", state="visible")
    wait_for(lambda: page.input_value("#products_result_id input") == str(first_id), timeout=20,
             what="the products form to receive the result id")
    assert page.input_value("#products_name textarea, #products_name input") == f"{role}-{first_id}"
    assert page.input_value("#products_note textarea, #products_note input") == "warm, calm"
    screenshot(page, "tab_products_from_evaluate")
    page.click("#products_create")
    wait_for(lambda: any(p["name"] == f"{role}-{first_id}" and p["note"] == "warm, calm"
                         for p in client.predict(role, api_name="/list_products")["products"]),
             timeout=30, what="the kept product")
