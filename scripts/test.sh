#!/usr/bin/env bash
# Installs everything the tests need, then runs the whole suite.
#   bash scripts/test.sh [--fast] [pytest args]
# --fast runs what needs no browser, no GPT-SoVITS process and no long end-to-end flow
# (tests/ras, tests/tabs, tests/i18n, the API checks) in one worker process more than the cores: about
# 2.5 minutes on 2 cores instead of the whole suite's 35-50.
# Debian tools (chromium for the browser tests, espeak-ng/sox for synthetic speech,
# a CJK font for screenshots) come from apt; Python packages go into .venv (RAS)
# and .venv-gsv (the GPT-SoVITS runtime), both reused when already up to date.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
for tool in chromium espeak-ng sox; do command -v "$tool" >/dev/null || need_apt+=("$tool"); done
fc-list 2>/dev/null | grep -qi "wqy" || need_apt+=(fonts-wqy-zenhei)
if [ ${#need_apt[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

bash scripts/setup_env.sh --dev
bash scripts/setup_gsv_runtime.sh

select=()
if [ "${1:-}" = "--fast" ]; then
  shift
  # one worker more than the cores, at most 4 (every worker loads its own audio models): the watchdog and
  # analysis-process tests spend seconds waiting on real time limits and child processes, and the extra
  # worker runs tests meanwhile (on 2 cores, 3 workers took 2 min 22 s - 2 min 40 s where 2 took 2 min 54 s - 3 min 10 s)
  workers=$(( $(nproc) + 1 < 4 ? $(nproc) + 1 : 4 ))
  select=(-m "not browser and not gsv and not slow" -n "$workers" --dist worksteal)
fi

export GRADIO_ANALYTICS_ENABLED=False
# Compiled modules are kept between runs (__pycache__, ignored by git). Where the environment turns that
# off, every worker and every app or analysis process a test starts compiles the project and its tests anew
# (about 3 s of each worker's start).
unset PYTHONDONTWRITEBYTECODE
set +e
.venv/bin/python -m pytest "${select[@]}" "$@"
status=$?
set -e
# a crash log has content only when a process crashed (the whole run, or one --fast worker)
for log in test-artifacts/crash*.log; do
  if [ "$status" != 0 ] && [ -s "$log" ]; then
    echo "a test process crashed; the crashing thread, from $log:" >&2
    awk '/^Current thread/{keep=1} keep && /^$/{exit} keep' "$log" \
      | grep -v -e "/_pytest/" -e "/pluggy/" -e "<frozen runpy>" -e "pytest/__main__" -e "/execnet/" -e "/xdist/" \
      | head -40 >&2
  fi
done
if [ "$status" = 5 ]; then
  echo "pytest collected no tests: failing on purpose" >&2
  exit 1
fi
exit "$status"
