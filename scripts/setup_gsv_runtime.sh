#!/usr/bin/env bash
# Creates (or reuses) a GPT-SoVITS runtime in .venv-gsv: upstream GPT-SoVITS
# inference code from PyPI (gpt-sovits-cpufast) in its own interpreter, like the
# runtime/python of a GPT-SoVITS integration package. Used by the tests and by
# scripts/make_tiny_gsv.py for trying RAS without a GPT-SoVITS checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
VENV=${GSV_VENV:-.venv-gsv}
stamp=$(cat scripts/gsv_runtime_requirements.txt scripts/setup_gsv_runtime.sh scripts/gsv_test_sitecustomize.py | sha256sum | cut -c1-16)
if [ -f "$VENV/.ras-stamp" ] && grep -qx "$stamp" "$VENV/.ras-stamp"; then
  exit 0
fi
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
pip_install() { "$VENV/bin/python" -m pip install -q --disable-pip-version-check "$@"; }
pip_install -r scripts/gsv_runtime_requirements.txt
pip_install --no-deps gpt-sovits-cpufast==0.1.0
# Test-runtime fixes for an offline CPU box (see the file); never part of RAS.
site=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
cp scripts/gsv_test_sitecustomize.py "$site/sitecustomize.py"
echo "$stamp" > "$VENV/.ras-stamp"
