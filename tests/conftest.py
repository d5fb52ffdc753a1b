"""Markers follow the folders: tests/browser drive headless chromium, tests/e2e run whole flows (slow).
`bash scripts/test.sh --fast` leaves out those and everything that starts a GPT-SoVITS process."""
import faulthandler
from pathlib import Path

import pytest

pytest_plugins = ["tests.fixtures.gsv", "tests.fixtures.audio", "tests.fixtures.app", "tests.fixtures.browser",
                  "tests.fixtures.funasr"]

TESTS = Path(__file__).parent
FOLDER_MARKERS = {"browser": "browser", "e2e": "slow"}
# A crash in native code (audio models, the ONNX/torch runtimes) kills the whole run; its stacks go to this
# file, and scripts/test.sh prints the crashing thread's part, which a dump of every thread would bury.
CRASH_LOG = TESTS.parent / "test-artifacts" / "crash.log"


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    CRASH_LOG.parent.mkdir(exist_ok=True)
    config.crash_log = CRASH_LOG.open("w")  # open until the process ends: faulthandler writes to its fd
    faulthandler.enable(file=config.crash_log, all_threads=True)


def pytest_collection_modifyitems(items):
    for item in items:
        parts = Path(str(item.fspath)).relative_to(TESTS).parts
        marker = FOLDER_MARKERS.get(parts[0]) if len(parts) > 1 else None
        if marker:
            item.add_marker(getattr(pytest.mark, marker))
