#!/usr/bin/env bash
# daphne with every limit set on purpose: serve.sh HOST PORT. Used by run.sh and the tests.
#
# - daphne drops a frame over its size limit without a close code (the browser would then
#   retry), so its cap sits above the app's own 64 KiB cap, which closes the socket with a
#   code htmx does not retry (1000 here: daphne cannot send 1009; uvicorn does);
# - its message cap applies to what it sends too: a snapshot over it (a board of a few
#   hundred tasks passes 256 KiB) would crash the socket (1011) and htmx would retry it for
#   ever, so messages may reach 16 MiB; frames stay capped at 256 KiB;
# - no age limit on sockets (--websocket_timeout -1): daphne would close them with 1000, which
#   htmx never retries, and the app cannot rotate them first with 1012 here (daphne sends only
#   1000 and 3000-4999; uvicorn, scripts/serve-prod.sh, rotates with 1012);
# - a dead peer is noticed after at most ping interval + ping timeout;
# - request bodies over MAX_REQUEST_BYTES are refused (413) as they arrive, chunked ones too:
#   daphne itself would spool a whole body before the app sees it (dashboard/daphne_limit.py).
echo "Taskboard: http://${1:-127.0.0.1}:${2:-8000}/"
exec python -m dashboard.daphne_limit -b "${1:-127.0.0.1}" -p "${2:-8000}" \
  --websocket-max-message-size 16777216 --websocket-max-frame-size 262144 \
  --websocket_timeout -1 --websocket_connect_timeout 10 \
  --ping-interval 20 --ping-timeout 30 --application-close-timeout 10 \
  ${DAPHNE_ARGS:-} dashboard.asgi:application
