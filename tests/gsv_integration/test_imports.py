import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_web_side_modules_import_no_torch_gradio_or_gpt_sovits():
    probe = ("import sys, gsv_integration.request, gsv_integration.engine, gsv_integration.weights, "
             "gsv_integration.local_engine, gsv_integration.http_engine; "
             "print(sorted(m for m in ('torch', 'gradio', 'TTS_infer_pack', 'tools') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"
