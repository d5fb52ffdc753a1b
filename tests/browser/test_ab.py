"""A blind A/B session in a real browser, answered with the keyboard, on takes from the tiny real GPT-SoVITS."""
from __future__ import annotations

import re
import urllib.parse

import pytest

from tests.api.test_ab import finished_ab_task
from tests.fixtures.app import wait_for
from tests.fixtures.browser import choose_role, open_tab, screenshot, tables_cut_off, wait_for_count, wait_for_text

pytestmark = [pytest.mark.browser, pytest.mark.gsv, pytest.mark.slow]


def played_take(page, side: str) -> str:
    """The file name of the take a player holds (Gradio serves a cached copy under the same name)."""
    href = page.locator(f"#ab_audio_{side} a[href$='.wav']").first.get_attribute("href")
    return urllib.parse.unquote(href).rsplit("/", 1)[1]


def open_ab_from_evaluate(page, url: str, role: str, task_id: int) -> None:
    page.set_default_timeout(240_000)  # a page of every tab renders slowly on a busy 2-core machine
    page.goto(url)
    page.wait_for_selector("#header_role")
    choose_role(page, role)
    open_tab(page, "evaluate")
    page.click("#evaluate_ab")  # opens the A/B tab on the evaluate tab's task
    page.wait_for_selector("#ab_start", state="visible")
    wait_for(lambda: page.locator("#ab_task input").input_value().startswith(f"#{task_id} "), timeout=240,
             what="the task to be carried over")


def wait_for_pair(page) -> None:
    wait_for_text(page, "#ab_text", "文本", timeout=240_000)
    wait_for_count(page, "[id^=ab_audio_] a[href$='.wav']", 2, distinct="[id^=ab_audio_]", timeout=240_000)


def test_a_blind_session_by_keyboard_settles_and_keeps_the_winner(page, gsv_app, tmp_path_factory):
    client = gsv_app.client()
    role, task_id, config_of = finished_ab_task(client, tmp_path_factory.mktemp("ab_browser"), "浏览器")
    config_of = {path.rsplit("/", 1)[1]: config for path, config in config_of.items()}  # job id.wav: unique
    configs = sorted(set(config_of.values()))
    favourite = configs[0]  # the listener prefers the first configuration, then the order below
    taste = {config: (100 if config == favourite else -i) for i, config in enumerate(configs)}

    open_ab_from_evaluate(page, gsv_app.url, role, task_id)
    page.click("#ab_start")
    wait_for_pair(page)
    assert "top_k" not in page.inner_text("#ab_ranking")  # parameters hidden while voting
    screenshot(page, "tab_ab_pair")

    votes = 0
    while "最佳已确定" not in page.inner_text("#ab_status"):
        assert votes < 3 * 6, "the best should be settled within three votes per candidate"
        a, b = config_of[played_take(page, "a")], config_of[played_take(page, "b")]
        page.keyboard.press("ArrowLeft" if taste[a] > taste[b] else "ArrowRight")
        votes += 1
        wait_for_text(page, "#ab_status", f"已投票 {votes}", timeout=240_000)
    wait_for_text(page, "#ab_ranking", "top_k", timeout=240_000)  # revealed once settled
    # the session picker counts the votes given
    wait_for(lambda: f"· {votes} 票" in page.locator("#ab_session input").input_value(), timeout=60,
             what="the session picker to show the vote count")
    ranked = client.predict(role, int(page.locator("#ab_session input").input_value().split()[0].lstrip("#")),
                            api_name="/ab_ranking")
    assert ranked["decided"] and ranked["votes"] == votes
    assert (ranked["ranking"][0]["param_set_id"], ranked["ranking"][0]["clip_id"]) == favourite
    # the table lists the winner first (a Dataframe may hold empty spacer rows, so read its text)
    table = page.inner_text("#ab_ranking")
    names = [re.match(r".*?ref #\d+", row["label"]).group(0) for row in ranked["ranking"]]  # params and clip
    places = [table.find(name) for name in names]
    assert places[0] >= 0 and all(places[0] < p for p in places[1:] if p >= 0), (places, table)
    screenshot(page, "tab_ab_ranking")
    assert tables_cut_off(page) == []  # every column in view

    page.click("#ab_keep")  # one click: the products tab opens with the winner's take
    page.wait_for_selector("#products_create", state="visible")
    kept = int(page.locator("#products_result_id input").input_value())
    winner_takes = [r["id"] for r in client.predict(role, task_id, "id", 1, 50, api_name="/list_results")["results"]
                    if (r["param_set_id"], r["clip_id"]) == favourite]
    assert kept in winner_takes


def test_candidates_too_close_to_call_get_a_deciding_round_from_the_page(page, gsv_app, tmp_path_factory):
    client = gsv_app.client()
    role, task_id, config_of = finished_ab_task(client, tmp_path_factory.mktemp("ab_deciding"), "加赛页")
    two = sorted(set(config_of.values()))[:2]
    first_takes = {path.rsplit("/", 1)[1] for path, config in config_of.items() if config in two}
    one_take_each = [min(int(path.rsplit("/", 1)[1].split(".")[0]) for path, c in config_of.items() if c == config)
                     for config in two]
    open_ab_from_evaluate(page, gsv_app.url, role, task_id)
    page.fill("#ab_result_ids textarea, #ab_result_ids input", " ".join(map(str, one_take_each)))
    page.click("#ab_start")
    wait_for_pair(page)
    votes = 0
    while "听不出差别" not in page.inner_text("#ab_status"):
        assert votes < 4, "two takes per candidate allow four hearings"
        page.keyboard.press(" ")  # the same
        votes += 1
        wait_for_text(page, "#ab_status", f"已投票 {votes}", timeout=240_000)
    screenshot(page, "tab_ab_too_close")
    page.click("#ab_more_takes")
    wait_for_text(page, "#ab_status", "正在合成加赛音频", timeout=60_000)
    wait_for_pair(page)  # the page goes on by itself once the new takes are done
    assert {played_take(page, "a"), played_take(page, "b")}.isdisjoint(first_takes)
    assert page.locator("#ab_more_takes").is_hidden()
