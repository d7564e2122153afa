"""Refusing a WebSocket handshake: HTTP 403, counted, logged sparingly, and nothing else.

A refused handshake (a foreign origin, a path no page has) must cost the server as little as
it can, whoever sends thousands of them: it never touches the channel layer (channels'
``WebsocketDenier`` is a consumer that opens and cancels a channel-layer receive per
refusal; on channels-redis those share the process's receive lock with the hub's own receive,
and a flood of them silenced live delivery: issue 12), and it writes at most one log line a
minute per reason, saying how many were refused since the last one. Each refusal is counted
(``handshakes_refused_<reason>`` on the ops page).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from live import stats

logger = logging.getLogger(__name__)

LOG_EVERY = 60.0  # seconds between two log lines about refusals of one reason

_last_logged: dict[str, float] = {}
_unlogged: dict[str, int] = {}


def note(reason: str, detail: str) -> None:
    """Count a refused handshake of ``reason``; log it unless one was logged less than
    LOG_EVERY seconds ago (then the next line says how many were left unsaid)."""
    stats.counters[f"handshakes_refused_{reason}"] += 1
    now = time.monotonic()
    if now - _last_logged.get(reason, float("-inf")) < LOG_EVERY:
        _unlogged[reason] = _unlogged.get(reason, 0) + 1
        return
    _last_logged[reason] = now
    more = _unlogged.pop(reason, 0)
    suffix = f" (and {more} more since the last such line)" if more else ""
    logger.warning("refused a WebSocket handshake (%s): %s%s", reason, detail, suffix)


async def deny(receive: Any, send: Any) -> None:
    """Answer a handshake with HTTP 403: a close before accept (ASGI), no consumer, no
    channel layer."""
    message = await receive()
    if message.get("type") == "websocket.connect":
        await send({"type": "websocket.close", "code": 1008})


async def unknown_route(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The last WebSocket route: a path no page has is refused with 403 (not a 500 and a
    traceback, as channels' router answers it)."""
    note("unknown_path", repr(scope.get("path", "")[:200]))
    await deny(receive, send)
