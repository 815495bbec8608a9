#!/usr/bin/env bash
# README set-up command (b): install the dev extras and the system tools the tests read PDFs with, then run
# lint, type checks and every test. CI (.ci/run) runs exactly this. Works on a fresh Debian 12 machine as
# root (apt-get) or where the tools are already installed.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v gs >/dev/null 2>&1 || need+=(ghostscript)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
# the PostgreSQL job store's tests use TEST_POSTGRES_URL (default 127.0.0.1:5432) or start a private server
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || need+=(postgresql)
command -v chromium >/dev/null 2>&1 || need+=(chromium)   # tests/api/test_demo_browser.py (headless, via Playwright)
if ((${#need[@]})); then
  echo "installing system packages: ${need[*]}"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

python3 -m pip install -q --disable-pip-version-check -e '.[dev]'
ruff check .
mypy
python3 scripts/check_imports.py   # no import cycles, no private names across modules, layers (docs/architecture.md)
bash scripts/check_wheel.sh   # a built wheel, installed outside the checkout, renders (bundled data as package data)
python3 -m pytest -n 2 "$@"
