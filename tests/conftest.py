"""Markers follow the folders: tests/browser drive headless chromium, tests/e2e run whole flows (slow).
`bash scripts/test.sh --fast` leaves out those and everything that starts a GPT-SoVITS process."""
from pathlib import Path

import pytest

pytest_plugins = ["tests.fixtures.gsv", "tests.fixtures.audio", "tests.fixtures.app", "tests.fixtures.browser",
                  "tests.fixtures.funasr"]

TESTS = Path(__file__).parent
FOLDER_MARKERS = {"browser": "browser", "e2e": "slow"}


def pytest_collection_modifyitems(items):
    for item in items:
        parts = Path(str(item.fspath)).relative_to(TESTS).parts
        marker = FOLDER_MARKERS.get(parts[0]) if len(parts) > 1 else None
        if marker:
            item.add_marker(getattr(pytest.mark, marker))
