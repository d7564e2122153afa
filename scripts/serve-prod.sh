#!/usr/bin/env bash
# The production server: uvicorn with several worker processes on one address.
#   serve-prod.sh HOST PORT        (WEB_CONCURRENCY workers, default: one per core)
#
# Several processes share their events through Redis (REDIS_URL) and their data through the
# database (PostgreSQL recommended: DATABASE_URL). Measured against daphne, the development
# server, uvicorn spends about half the CPU per delivered update (docs/performance.md).
# - a graceful stop (SIGTERM) closes every socket with 1012, which htmx retries: a deploy
#   is a short "Reconnecting…" and a fresh snapshot;
# - frames are capped at 256 KiB here (the app's own cap, 64 KiB, answers with 1009);
# - per-message compression is off: it costs ~30 KB per socket and OWASP advises against it;
# - the app rotates sockets with 1012 (LIVE_MAX_SOCKET_AGE) and answers pings every 20 s.
set -euo pipefail
workers="${WEB_CONCURRENCY:-$(nproc)}"
if [ "$workers" -gt 1 ] && [ -z "${REDIS_URL:-}" ]; then
  echo "serve-prod.sh: $workers workers need REDIS_URL (the in-memory channel layer cannot cross processes)" >&2
  exit 2
fi
# Prometheus metrics of every worker (live/metrics.py): each writes its own files here, and
# whichever answers a scrape reads them all. Emptied at each start, as prometheus-client asks.
if [ -z "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
  PROMETHEUS_MULTIPROC_DIR="$(mktemp -d "${TMPDIR:-/tmp}/taskboard-metrics.XXXXXX")"
else
  mkdir -p "$PROMETHEUS_MULTIPROC_DIR" && rm -f "$PROMETHEUS_MULTIPROC_DIR"/*.db
fi
export PROMETHEUS_MULTIPROC_DIR
exec uvicorn dashboard.asgi:application --host "${1:-127.0.0.1}" --port "${2:-8000}" --workers "$workers" \
  --ws websockets-sansio --ws-max-size 262144 --ws-per-message-deflate false \
  --ws-ping-interval 20 --ws-ping-timeout 30 --lifespan off --no-access-log \
  --backlog 4096 --timeout-graceful-shutdown 10 ${UVICORN_ARGS:-}
