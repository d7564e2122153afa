"""The live engine's figures for Prometheus: what /live/ops/ shows, at /metrics.

Every server process copies its figures (live/stats.py, and its hubs' latest ops report,
live/ops.py) into prometheus-client's metrics every SYNC_SECONDS (a periodic job of its hub,
live/periodic.py) and again when it answers a scrape. Under several worker processes
(scripts/serve-prod.sh) prometheus-client's multiprocess mode keeps each process's metrics
in files under ``PROMETHEUS_MULTIPROC_DIR`` and whichever process answers the scrape reads
them all: counters and the histogram are summed over processes (the dead ones included, as
counters should be), gauges are given per live process (label ``pid``).

Who may read it: a request with ``Authorization: Bearer <METRICS_TOKEN>`` when that
setting is set, or a signed-in staff member.
"""

from __future__ import annotations

import hmac
import os
import threading

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

from live import periodic, stats

SYNC_SECONDS = 2.0

SOCKETS = Gauge("taskboard_live_sockets", "Open WebSockets in this process", multiprocess_mode="liveall")
TOPICS = Gauge("taskboard_live_topics", "Topics this process's sockets watch", multiprocess_mode="liveall")
EVENT_RATE = Gauge(
    "taskboard_live_events_per_second",
    "Events this process's hub received per second, over the last ops interval",
    multiprocess_mode="liveall",
)
FANOUT = Histogram(
    "taskboard_live_fanout_seconds",
    "From an event's arrival at a hub to the last of its local sockets written",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
REFUSED = Counter(
    "taskboard_live_handshakes_refused",
    "WebSocket handshakes refused: origin and unknown_path (403, before any consumer), "
    "signed_out (4401), forbidden (4403)",
    ["reason"],
)
# metric -> the live/stats.py counter it follows
COUNTERS = {
    Counter("taskboard_live_events", "Events received by the hubs"): "events",
    Counter("taskboard_live_deliveries", "Frames written to sockets by the hubs"): "deliveries",
    Counter(
        "taskboard_live_dropped_events", "Events that never arrived (the pages were re-synced)"
    ): "dropped",
    Counter("taskboard_live_slow_readers_closed", "Sockets closed for not reading their frames"): (
        "closed_slow_readers"
    ),
    Counter("taskboard_live_resyncs", "Pages re-sent whole after a gap"): "resyncs",
    Counter("taskboard_live_layer_errors", "Channel-layer calls that failed"): "layer_errors",
    Counter("taskboard_live_connects", "Sockets accepted and given their snapshot"): "connects",
}
# the consumers' refusals (accepted, then closed with a code htmx does not retry) by name
REFUSAL_CODES = {"refused_4401": "signed_out", "refused_4403": "forbidden"}


def refusal_reason(key: str) -> str:
    """The reason label of a refusal counter: live/refusals.py's own (origin, unknown_path)
    or the consumer's close code by name."""
    return REFUSAL_CODES.get(key) or key.removeprefix("handshakes_refused_").removeprefix("refused_")


_lock = threading.Lock()
_seen: dict[str, int] = {}
_fanout_seen = 0


def sync() -> None:
    """Bring this process's Prometheus metrics up to its live figures (adds what is new)."""
    global _fanout_seen
    from live.hub import local_reports

    with _lock:
        counted = dict(stats.counters)
        for metric, key in COUNTERS.items():
            _advance(metric, key, counted)
        for key in counted:
            if key.startswith(("refused_", "handshakes_refused_")):
                _advance(REFUSED.labels(reason=refusal_reason(key)), key, counted)
        added = stats.fanout_ms.added
        samples = list(stats.fanout_ms)
        if added < _fanout_seen:  # the figures were reset (tests)
            _fanout_seen = 0
        new = min(added - _fanout_seen, len(samples))
        for ms in samples[len(samples) - new :]:
            FANOUT.observe(ms / 1000)
        _fanout_seen = added
        reports = local_reports()
        SOCKETS.set(sum(r["sockets"] for r in reports))
        TOPICS.set(sum(r["topics"] for r in reports))
        EVENT_RATE.set(sum(r["events_per_s"] for r in reports))


def _advance(metric: Counter, key: str, counted: dict[str, int]) -> None:
    now, before = counted.get(key, 0), _seen.get(key, 0)
    if now > before:
        metric.inc(now - before)
    _seen[key] = now  # below before: the figures were reset (tests); count from there


periodic.every(SYNC_SECONDS, "prometheus metrics")(sync)


def allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer "):
        return hmac.compare_digest(header.removeprefix("Bearer ").encode(), token.encode())
    return bool(request.user.is_authenticated and request.user.is_staff)


@require_GET
@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus's text format, for a bearer of METRICS_TOKEN or a staff member."""
    if not allowed(request):
        return HttpResponse(
            "Forbidden: a bearer token (METRICS_TOKEN) or a staff session is needed.\n",
            status=403,
            content_type="text/plain",
        )
    sync()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
