#!/usr/bin/env bash
# daphne with every limit set on purpose: serve.sh HOST PORT. Used by run.sh and the tests.
#
# - daphne drops a frame over its size limit without a close code (the browser would then
#   retry), so its cap sits above the app's own 64 KiB cap, which answers with code 1009;
# - the app rotates sockets itself with 1012 (htmx reconnects) after LIVE_MAX_SOCKET_AGE,
#   long before --websocket_timeout, whose close code 1000 htmx never retries;
# - a dead peer is noticed after at most ping interval + ping timeout.
exec daphne -b "${1:-127.0.0.1}" -p "${2:-8000}" \
  --websocket-max-message-size 262144 --websocket-max-frame-size 262144 \
  --websocket_timeout 86400 --websocket_connect_timeout 10 \
  --ping-interval 20 --ping-timeout 30 --application-close-timeout 10 \
  ${DAPHNE_ARGS:-} dashboard.asgi:application
