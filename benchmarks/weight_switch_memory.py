"""The GPT-SoVITS worker's resident memory across 20 GPT + SoVITS switches (tiny real models).

Each round switches both weight files (tiny_a <-> tiny_b), synthesizes one
take, and reads the worker's RSS from /proc. With the frozen heap, a switch
unfreezes, drops the old model and collects before loading the new one, so
memory must come back to where it was: the headline compares the last
rounds with the first ones. Needs .venv-gsv (scripts/setup_gsv_runtime.sh).
"""
from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from gsv_integration.local_engine import LocalEngine
from gsv_integration.request import SynthesisRequest
from tests.fixtures.gsv import REF_PROMPT, WORKER_TEST_CONFIG, build_tiny_gsv, gsv_python_path, make_ref_wav

SWITCHES = 20
TARGET_GROWTH = 0.05  # "within a few percent"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def main() -> None:
    tiny = build_tiny_gsv(str(gsv_python_path()))
    folder = Path(tempfile.mkdtemp(prefix="ras-switch-mem-"))
    ref = make_ref_wav(folder / "ref.wav", REF_PROMPT)
    env = {"RAS_TEST_OFFLINE": "1", "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    readings = []
    with LocalEngine(tiny.root, tiny.python, worker_config=WORKER_TEST_CONFIG, env_extra=env,
                     stall_timeout=120) as engine:
        pid = engine.pid
        for switch in range(SWITCHES + 1):
            pick = switch % 2
            request = SynthesisRequest(text="Hello world, this is a tiny test.", text_lang="en",
                                       ref_audio_path=str(ref), prompt_text=REF_PROMPT, prompt_lang="en",
                                       seed=1, gpt_weights=str(tiny.gpt[pick]), sovits_weights=str(tiny.sovits[pick]))
            result = engine.synthesize(request, folder / f"{switch}.wav", timeout=300)
            readings.append(rss_mb(pid))
            what = "first load" if switch == 0 else f"switch {switch:2d}"
            print(f"{what}: GPT {result.loaded_gpt} SoVITS {result.loaded_sovits}  RSS {readings[-1]:7.1f} MB",
                  flush=True)
    early = statistics.median(readings[1:4])
    late = statistics.median(readings[-3:])
    growth = (late - early) / early
    verdict = "OK" if growth <= TARGET_GROWTH else "GROWING"
    print(f"weight switches: RSS {early:.1f} MB after switches 1-3, {late:.1f} MB after switches "
          f"{SWITCHES - 2}-{SWITCHES} ({growth:+.1%}; target <= {TARGET_GROWTH:.0%}) {verdict}")


if __name__ == "__main__":
    main()
