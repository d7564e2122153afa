#!/usr/bin/env bash
# Install what is missing, then run the whole test suite (arguments go to pytest).
set -euo pipefail
cd "$(dirname "$0")"
SETUP_REQUIREMENTS=requirements-dev.txt . ./scripts/setup.sh

# The browser tests drive Debian's Chromium (Playwright never downloads a browser here).
if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/lib/chromium/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Chromium for the browser tests..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "Chromium is not installed: the browser tests will be skipped (apt-get install chromium)."
  fi
fi

exec python -m pytest "$@"
