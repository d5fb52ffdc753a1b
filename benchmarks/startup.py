"""Time from `python webui_ras.py` to the server answering HTTP."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.fixtures.app import free_port  # noqa: E402

TARGET_S = 5.0


def time_startup() -> float:
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}
        start = time.perf_counter()
        process = subprocess.Popen([sys.executable, str(ROOT / "webui_ras.py"), "--roles-dir", f"{tmp}/roles",
                                    "--port", str(port)], cwd=ROOT, env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
                    return time.perf_counter() - start
                except OSError as exc:
                    if process.poll() is not None or time.perf_counter() - start > 60:
                        raise RuntimeError("the app did not start") from exc
                    time.sleep(0.05)
        finally:
            process.terminate()
            process.wait()


def main() -> None:
    runs = [time_startup() for _ in range(3)]
    print("runs:", ", ".join(f"{r:.2f} s" for r in runs))
    print(f"startup: {min(runs):.2f} s best of 3, {sum(runs) / 3:.2f} s mean (target <= {TARGET_S:.0f} s)")


if __name__ == "__main__":
    main()
