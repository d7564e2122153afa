"""The WebSocket protocol in one place: close codes and the parser for inbound frames.

Inbound frames come from htmx's ws extension (``ws-send``). Each major version shapes them
differently; all three become one :class:`Inbound`:

- htmx 2:          ``{...form values, "HEADERS": {...}}``
- htmx 4.0 beta:   ``{"headers": {...}, "body": {...form values}}``
- htmx 4.0.1+:     ``{...form values, "headers": {...}}``

The action to run is the form value ``action`` (put it in ``hx-vals`` or a hidden input);
the acting user always comes from the session, never from the frame. The other values
reach the consumer as an HTML form would send them: text (a JSON number or boolean from
``hx-vals`` as its JSON spelling, ``null`` as None), so the page's own Django forms judge
them. A frame with half of a UTF-16 surrogate pair (``"\\ud800"``: valid JSON, but text no
database or page can hold) is refused as a whole.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import IntEnum
from typing import Any


class CloseCode(IntEnum):
    """Close codes and what htmx does after them (htmx 2 retries only 1006/1011/1012/1013)."""

    TOO_BIG = 1009  # frame over the cap: stop
    SERVER_ERROR = 1011  # bug or outage: reconnect with backoff
    RESTART = 1012  # planned restart or socket rotation: reconnect
    TRY_AGAIN_LATER = 1013  # the peer stopped reading: reconnect
    UNAUTHENTICATED = 4401  # not logged in: stop
    FORBIDDEN = 4403  # not allowed here: stop
    TOO_MANY = 4429  # flooding: stop


class FrameError(ValueError):
    """A frame we refuse; ``str(exc)`` is safe to show to the user."""


class FrameTooBig(FrameError):
    pass


_SURROGATE = re.compile("[\ud800-\udfff]")


def _has_lone_surrogate(data: Any) -> bool:
    """Whether any string in decoded JSON ``data`` (keys included) is not valid text."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _as_text(value: str | int | float | bool | None) -> str | None:
    """A plain JSON value as a form field gets it: text, or None for ``null``."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value)  # true, 42, 1.5, NaN: as the client spelled it


@dataclass(frozen=True, slots=True)
class Inbound:
    action: str
    values: dict[str, Any]
    headers: dict[str, Any]


def parse(text: str | None, *, max_bytes: int) -> Inbound:
    """Turn one text frame into an :class:`Inbound`, or raise :class:`FrameError`."""
    if text is None:
        raise FrameError("Binary frames are not accepted.")
    if len(text) > max_bytes or (len(text) * 4 > max_bytes and len(text.encode()) > max_bytes):
        raise FrameTooBig(f"Message too large (limit {max_bytes} bytes).")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise FrameError("Message is not valid JSON.") from None
    if not isinstance(data, dict):
        raise FrameError("Message must be a JSON object.")
    if "\\u" in text and _has_lone_surrogate(data):  # text frames are UTF-8: only a \\u escape has one
        raise FrameError("Message is not valid text.")
    headers: Any
    if "HEADERS" in data:  # htmx 2
        headers = data.pop("HEADERS")
        values = data
    elif isinstance(data.get("headers"), dict) and isinstance(data.get("body"), dict):  # 4.0 beta
        headers, values = data["headers"], data["body"]
    else:  # htmx 4.0.1+, or a plain client
        headers = data.pop("headers", None)
        values = data
    if headers is None:
        headers = {}
    if not isinstance(headers, dict):
        raise FrameError("Message headers must be an object.")
    action = values.pop("action", None)
    if not isinstance(action, str) or not action:
        raise FrameError("Message has no action.")
    if not all(value is None or isinstance(value, str | int | float | bool) for value in values.values()):
        raise FrameError("Message fields must be plain values.")  # our forms send no lists or objects
    return Inbound(action=action, values={k: _as_text(v) for k, v in values.items()}, headers=headers)
