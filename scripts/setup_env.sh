#!/usr/bin/env bash
# Creates (or reuses) RAS's own virtual environment in .venv.
#   scripts/setup_env.sh          runtime packages + analysis models
#   scripts/setup_env.sh --dev    also the test tools (pytest, playwright, matplotlib)
# The venv is reused when a stamp of the requirement files matches, so a second
# run costs a second.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
VENV=${RAS_VENV:-.venv}
REQS=(requirements.txt requirements-analysis.txt)
[ "${1:-}" = "--dev" ] && REQS+=(requirements-dev.txt)

stamp=$(cat "${REQS[@]}" scripts/setup_env.sh | sha256sum | cut -c1-16)
if [ -f "$VENV/.ras-stamp" ] && grep -qx "$stamp" "$VENV/.ras-stamp"; then
  exit 0
fi
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
pip_install() { "$VENV/bin/python" -m pip install -q --disable-pip-version-check "$@"; }
pip_install --upgrade pip
for r in "${REQS[@]}"; do pip_install -r "$r"; done
pip_install --no-deps resemblyzer==0.1.4 funasr==1.4.16
echo "$stamp" > "$VENV/.ras-stamp"
