#!/usr/bin/env bash
# Start RAS on Linux/macOS: creates RAS's own environment on first run, then
# launches the web UI. A GPT-SoVITS folder beside or around RAS is found and
# passed as --gsv-root (with its runtime/python when it has one).
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup_env.sh
args=()
if [[ " $* " != *" --gsv-root "* ]]; then
  for candidate in .. ../GPT-SoVITS* ../gpt-sovits*; do
    if [ -d "$candidate/GPT_SoVITS" ]; then
      root=$(cd "$candidate" && pwd)
      args+=(--gsv-root "$root")
      for py in "$root/runtime/bin/python" "$root/runtime/python" "$root/.venv/bin/python"; do
        [ -x "$py" ] && { args+=(--gsv-python "$py"); break; }
      done
      break
    fi
  done
fi
exec .venv/bin/python webui_ras.py "${args[@]}" "$@"
