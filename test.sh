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

# The reverse-proxy test (tests/browser/test_nginx.py) runs Debian's nginx in front of two
# servers with docs/deploy/nginx.conf.
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing nginx for the reverse-proxy test..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
  else
    echo "nginx is not installed: the reverse-proxy test will be skipped (apt-get install nginx)."
  fi
fi

# The Dockerfile linter (npm's dockerfilelint, pinned in tools/dockerfilelint) for
# tests/test_containers.py; no Docker engine is needed.
if [ ! -x tools/dockerfilelint/node_modules/.bin/dockerfilelint ]; then
  if command -v npm >/dev/null 2>&1; then
    echo "Installing dockerfilelint for the container tests..."
    npm ci --prefix tools/dockerfilelint --no-audit --no-fund --loglevel=error >/dev/null
  else
    echo "npm is not installed: the Dockerfile lint will be skipped (apt-get install npm)."
  fi
fi

exec python -m pytest "$@"
