"""Markers follow the folders: tests/browser drive headless chromium, tests/e2e run whole flows (slow).
`bash scripts/test.sh --fast` leaves out those and everything that starts a GPT-SoVITS process."""
import faulthandler
import os
from pathlib import Path

import pytest

from ras.metrics import dnsmos

pytest_plugins = ["tests.fixtures.gsv", "tests.fixtures.audio", "tests.fixtures.app", "tests.fixtures.browser",
                  "tests.fixtures.funasr"]

TESTS = Path(__file__).parent
FOLDER_MARKERS = {"browser": "browser", "e2e": "slow"}
# A crash in native code (audio models, the ONNX/torch runtimes) kills the whole run (or, with --fast's
# parallel workers, one worker); its stacks go to a file per process, and scripts/test.sh prints the crashing
# thread's part, which a dump of every thread would bury.
ARTIFACTS = TESTS.parent / "test-artifacts"


# --fast runs parallel workers (one more than the cores): each worker's torch, BLAS and onnxruntime get one
# thread, as the analysis processes do (more threads only wait on each other, and spin: twice the CPU for the
# same work).
if os.environ.get("PYTEST_XDIST_WORKER"):
    for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(variable, "1")
    dnsmos.use_threads(1)


def crash_log_path() -> Path:
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return ARTIFACTS / (f"crash-{worker}.log" if worker else "crash.log")


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    ARTIFACTS.mkdir(exist_ok=True)
    config.crash_log = crash_log_path().open("w")  # open until the process ends: faulthandler writes to its fd
    faulthandler.enable(file=config.crash_log, all_threads=True)


def pytest_collection_modifyitems(items):
    for item in items:
        parts = Path(str(item.fspath)).relative_to(TESTS).parts
        marker = FOLDER_MARKERS.get(parts[0]) if len(parts) > 1 else None
        if marker:
            item.add_marker(getattr(pytest.mark, marker))
