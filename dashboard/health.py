"""Probes for load balancers and orchestrators, JSON without a session.

- ``/health/`` (liveness): the process answers. It checks nothing else on purpose: a
  database outage must not get every server process restarted.
- ``/ready/`` (readiness): the database, the channel layer (Redis when ``REDIS_URL`` is set)
  and the Celery broker (when tasks do not run eagerly) answer, each within
  ``HEALTH_CHECK_TIMEOUT`` seconds and all at once; 200 when all do, 503 otherwise, with
  each check's result. Only the kind of failure is shown (the probe is public); the details
  go to the log.

The checks are django-health-check's (its Database check, its view's concurrency and
timeouts) and two of our own for what it has no check for: a channel layer, and a broker
without a worker (its Celery check pings workers, which are not needed to serve pages).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from health_check.base import HealthCheck
from health_check.checks import Database
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView


def _timeout() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.HEALTH_CHECK_TIMEOUT)


@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """Liveness: this process serves requests."""
    return JsonResponse({"status": "ok"})


@dataclasses.dataclass
class ChannelLayer(HealthCheck):
    """The channel layer's Redis answers a PING (the in-memory layer always does)."""

    timeout: datetime.timedelta = dataclasses.field(default_factory=_timeout, repr=False)

    def __repr__(self) -> str:
        return "ChannelLayer"

    async def run(self) -> None:
        layer = settings.CHANNEL_LAYERS["default"]
        if not layer["BACKEND"].startswith("channels_redis"):
            return
        import redis.asyncio

        for host in layer["CONFIG"]["hosts"]:
            seconds = self.timeout.total_seconds()
            client = redis.asyncio.Redis.from_url(
                host["address"], socket_connect_timeout=seconds, socket_timeout=seconds
            )
            try:
                await client.ping()
            except (redis.RedisError, OSError) as exc:
                raise ServiceUnavailable(f"channel layer unreachable ({type(exc).__name__})") from exc
            finally:
                await client.aclose()


@dataclasses.dataclass
class CeleryBroker(HealthCheck):
    """The Celery broker accepts a connection (workers are not asked: pages work without them)."""

    timeout: datetime.timedelta = dataclasses.field(default_factory=_timeout, repr=False)

    def __repr__(self) -> str:
        return "CeleryBroker"

    def run(self) -> None:
        from dashboard.celery import app

        seconds = self.timeout.total_seconds()
        try:
            with app.connection_for_write() as connection:
                connection.ensure_connection(max_retries=1, interval_start=0, timeout=seconds)
        except Exception as exc:  # kombu wraps each transport's errors differently
            raise ServiceUnavailable(f"Celery broker unreachable ({type(exc).__name__})") from exc


def readiness_checks() -> list[HealthCheck]:
    """What /ready/ checks with the settings in force."""
    checks: list[HealthCheck] = [Database(), ChannelLayer()]
    if not settings.CELERY_TASK_ALWAYS_EAGER and not settings.CELERY_BROKER_URL.startswith("memory"):
        checks.append(CeleryBroker())
    return checks


class Ready(HealthCheckView):
    """Readiness, always as JSON: ``{"status": "ok"|"unavailable", "checks": {name: "OK"|reason}}``."""

    def get_checks(self) -> list[HealthCheck]:
        return readiness_checks()

    async def get(self, request: HttpRequest, *args: object, **kwargs: object) -> JsonResponse:
        with self.get_executor() as executor:
            self.results = await asyncio.gather(*(check.get_result(executor) for check in self.get_checks()))
        failed = any(result.error for result in self.results)
        return JsonResponse(
            {
                "status": "unavailable" if failed else "ok",
                "checks": {
                    repr(result.check): str(result.error) if result.error else "OK" for result in self.results
                },
            },
            status=503 if failed else 200,
        )
