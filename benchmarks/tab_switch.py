"""How long after a click a tab's content (or a new role's data) is on screen, with a role of 1,000 clips.

Starts the app on a roles folder with a 1,000-clip role and a 20-clip role (short generated WAVs imported
through the importer), opens the page in headless chromium at 1400 px, then
- clicks every tab in turn: the time until its panel is shown, nothing in view is waiting for the server,
  and the page answers an animation frame (the browser is free to paint);
- switches role on the roles tab (the clip browser must show the new role's count) and on every other tab.
Each figure is measured inside the page from the click to that frame. The last line is the headline: the
slowest of all (target: <= 1 s on an idle machine).

    .venv/bin/python benchmarks/tab_switch.py [--keep DIR]
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ras.library import importer, roles
from ras.store.workspace import Workspace
from tests.fixtures.app import launch_app, write_tone
from tests.fixtures.browser import CHROMIUM_ARGS

BIG, SMALL = ("基准", "千条"), ("基准", "二十条")
TARGET_S = 1.0
TABS = ("roles", "import", "texts", "classify", "finder", "task", "infer", "evaluate", "ab", "long_text",
        "split", "products")

# Resolves with the milliseconds from `since` (or, after `limit` ms, what it still waits for) until the panel
# is shown, no component in view shows Gradio's "waiting" overlay, `ready()` holds, and two animation frames
# ran (the main thread is free to paint).
SETTLED_JS = """async ([panel, since, ready, limit]) => {
    const frame = () => new Promise(resolve => requestAnimationFrame(() => resolve()));
    const shown = el => el && el.offsetParent !== null;
    const busy = () => [...document.querySelectorAll('[data-testid=status-tracker]')]
        .some(t => !t.classList.contains('hide') && shown(t));
    const check = new Function('return (' + ready + ')()');
    let calm = 0;
    while (performance.now() - since < limit) {
        await frame();
        const root = document.getElementById(panel);
        const ok = shown(root) && root.querySelector('.block') && !busy() && check();
        calm = ok ? calm + 1 : 0;
        if (calm >= 2) return performance.now() - since;
    }
    const root = document.getElementById(panel);
    const waiting = [...document.querySelectorAll('[data-testid=status-tracker]')]
        .filter(t => !t.classList.contains('hide') && shown(t)).map(t => t.closest('[id]')?.id);
    return `shown ${shown(root)}, waiting for ${waiting.join(' ') || 'nothing'}, ready ${check()}`;
}"""


def make_roles(folder: Path) -> Path:
    """A roles folder with a 1,000-clip role and a 20-clip role (3-8 s tones, imported through the importer)."""
    audio, roles_dir = folder / "audio", folder / "roles"
    lines = []
    for i in range(1000):
        path = write_tone(audio / f"c{i:04d}.wav", 3.0 + (i % 50) / 10, freq=150 + (i % 7) * 20, sr=16000, seed=i)
        lines.append(f"{path}|spk{i % 3}|zh|这是第{i}条参考音频的文本内容")
    ws = Workspace(roles_dir)
    for (category, name), count in ((BIG, 1000), (SMALL, 20)):
        listing = folder / f"{name}.list"
        listing.write_text("\n".join(lines[:count]) + "\n", encoding="utf-8")
        role = roles.create_role(ws=ws, category=category, name=name)
        assert importer.import_list(ws=ws, role=role, list_path=listing).imported == count
    ws.close()
    return roles_dir


def settle(page, panel: str, since: float, ready: str = "() => true", limit_ms: float = 60_000) -> float:
    elapsed = page.evaluate(SETTLED_JS, [panel, since, ready, limit_ms])
    if isinstance(elapsed, str):
        raise TimeoutError(f"{panel} did not settle within {limit_ms / 1000:.0f} s: {elapsed}")
    return elapsed / 1000


class BrowserClock:
    """The page's main-thread CPU time (Chrome's ThreadTime): what the page itself costs, whatever else
    the machine is busy with."""

    def __init__(self, page):
        self.session = page.context.new_cdp_session(page)
        self.session.send("Performance.enable")

    def thread_seconds(self) -> float:
        metrics = self.session.send("Performance.getMetrics")["metrics"]
        return next(m["value"] for m in metrics if m["name"] == "ThreadTime")


def click_tab(page, clock: BrowserClock, key: str) -> tuple[float, float]:
    cpu = clock.thread_seconds()
    since = page.evaluate("key => { const t = performance.now(); "
                          "document.getElementById(`tab_${key}-button`).click(); return t; }", key)
    return settle(page, f"tab_{key}", since), clock.thread_seconds() - cpu


def switch_role(page, clock: BrowserClock, panel: str, role: str, ready: str) -> tuple[float, float]:
    page.click("#header_role input")
    option = page.locator("ul[role='listbox'] li", has_text=role).first
    option.wait_for()
    page.evaluate("() => { window.__roleClick = null; document.addEventListener('mousedown', "
                  "() => { window.__roleClick ??= performance.now(); }, {capture: true, once: true}); }")
    cpu = clock.thread_seconds()
    option.click()
    since = page.evaluate("() => window.__roleClick")
    return settle(page, panel, since, ready), clock.thread_seconds() - cpu


def clip_count_shown(count: int) -> str:
    """The clip browser (on the roles tab, answered by the same event as every tab) counts the new role."""
    return f"() => (document.querySelector('#clips_summary')?.textContent || '').includes('共 {count} 条')"


def measure(url: str) -> list[tuple[str, float, float]]:
    """[(what, seconds from the click until shown, the page's main-thread CPU seconds meanwhile)]"""
    from playwright.sync_api import sync_playwright

    figures = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        page = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000}).new_page()
        page.set_default_timeout(120_000)
        start = time.perf_counter()
        page.goto(url)
        page.wait_for_selector("#tab_roles-button")
        clock = BrowserClock(page)
        settle(page, "tab_roles", page.evaluate("() => performance.now()"), "() => true", 120_000)
        figures.append(("page load", time.perf_counter() - start, clock.thread_seconds()))
        big, small = "-".join(BIG), "-".join(SMALL)
        figures.append((f"role -> {big} (roles tab)", *switch_role(page, clock, "tab_roles", big,
                                                                   clip_count_shown(1000))))
        for key in TABS[1:]:
            figures.append((f"tab {key} (first visit)", *click_tab(page, clock, key)))
        for key in TABS:
            figures.append((f"tab {key}", *click_tab(page, clock, key)))
        for number, key in enumerate(TABS):  # the big role is shown: alternate, starting with the small one
            click_tab(page, clock, key)
            role, count = (small, 20) if number % 2 == 0 else (big, 1000)
            figures.append((f"role -> {role} ({key} tab)", *switch_role(page, clock, f"tab_{key}", role,
                                                                        clip_count_shown(count))))
        browser.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="make (or reuse) the roles folder here instead of a temp folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ras-tab-switch-") as scratch:
        folder = args.keep or Path(scratch)
        roles_dir = folder / "roles"
        if not (roles_dir / "-".join(BIG)).is_dir():
            started = time.perf_counter()
            make_roles(folder)
            print(f"made a 1,000-clip and a 20-clip role in {time.perf_counter() - started:.0f} s")
        app = launch_app(Path(scratch), roles_dir=roles_dir)
        try:
            figures = measure(app.url)
        finally:
            app.stop()
    print(f"{'':<36} {'shown':>8} {'page CPU':>9}")
    for name, seconds, cpu in figures:
        print(f"{name:<36} {seconds:7.2f}s {cpu:8.2f}s")
    switches = [row for row in figures if row[0] != "page load"]
    worst_name, worst, _ = max(switches, key=lambda row: row[1])
    busiest = max(cpu for _, _, cpu in switches)
    print(f"tab_switch: 1,000-clip role, {len(switches)} tab and role switches, slowest {worst:.2f} s ({worst_name}), "
          f"page CPU at most {busiest:.2f} s, target <= {TARGET_S:.0f} s")


if __name__ == "__main__":
    main()
