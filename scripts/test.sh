#!/usr/bin/env bash
# Runs the whole test suite: Python tests (SQLite and PostgreSQL), browser
# tests in headless Chromium, and every notebook in a fresh kernel.
#
# PostgreSQL: uses $MUFFIN_TEST_POSTGRES_URL if set; otherwise starts a
# throwaway cluster from the machine's PostgreSQL binaries and removes it on
# exit. Chromium: /usr/bin/chromium (Debian's package). Without either, those
# tests are skipped with a reason, unless MUFFIN_REQUIRE_POSTGRES /
# MUFFIN_REQUIRE_BROWSER are set (CI sets both), which turns a skip into a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

if [[ -z "${MUFFIN_TEST_POSTGRES_URL:-}" ]]; then
  # A cluster of this run's own, so a developer's running cluster is never touched.
  export MUFFIN_PG_STATE=${MUFFIN_PG_STATE:-$(mktemp -d /tmp/muffin-pg-test.XXXXXX)}
  if url=$(bash scripts/pg-throwaway.sh start); then
    export MUFFIN_TEST_POSTGRES_URL="$url"
    trap 'bash scripts/pg-throwaway.sh stop' EXIT
  else
    echo "note: no PostgreSQL server could be started; PostgreSQL tests will be skipped" >&2
  fi
fi

"$BIN"/jupytext --quiet --to ipynb notebooks/*.py 2>/dev/null || true
"$BIN"/python -m pytest "$@"
if compgen -G "notebooks/*.ipynb" >/dev/null; then
  "$BIN"/python -m pytest --nbmake --nbmake-timeout=600 -p no:randomly -o addopts="" notebooks/*.ipynb
fi
