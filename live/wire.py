"""One event's frame, encoded once for all the sockets that get it.

ASGI hands a socket's text to the server, which encodes it and wraps it in a WebSocket frame:
for a frame that goes to a thousand sockets, a thousand times the same work. A server's
frame to a client is the same bytes for every connection, though (no masking server-side,
and no extension: per-message compression is off in scripts/serve-prod.sh). So under
uvicorn's ``websockets-sansio`` protocol, the production server, the hub hands each socket
an :class:`Outgoing` whose frame is built once, with the ``websockets`` library the server
itself uses, and writes those bytes to the connection's transport exactly where the server's
own ``send()`` would have written its copy.

Only a connection in the plain open state takes that path: one that is closing, not yet
accepted, paused by back-pressure (the peer is not reading) or has an extension goes through
the ordinary ASGI ``send()``, as does every socket under daphne, and every socket when
``LIVE["FAST_UVICORN"]`` is off. The direct write reads uvicorn's private protocol
attributes: that part lives in live/fast/uvicorn.py. ``tests/test_wire.py`` checks that both
paths put the same bytes on the wire.
"""

from __future__ import annotations

from typing import Any

from websockets.frames import Frame, Opcode

from live import fast
from live.fast import uvicorn as fast_uvicorn


class Outgoing:
    """A text frame for many sockets; ``wire`` is its encoded WebSocket frame, made once."""

    __slots__ = ("text", "_wire")

    def __init__(self, text: str) -> None:
        self.text = text
        self._wire: bytes | None = None

    @property
    def wire(self) -> bytes:
        if self._wire is None:
            self._wire = Frame(Opcode.TEXT, self.text.encode()).serialize(mask=False)
        return self._wire


def direct(send: Any) -> Any:
    """The server connection behind an ASGI ``send`` if frames can be written to it directly
    (uvicorn's websockets-sansio protocol, with ``LIVE["FAST_UVICORN"]`` on), else None."""
    if not fast.on("UVICORN"):
        return None
    return fast_uvicorn.direct(send)


def write(connection: Any, frame: Outgoing) -> bool:
    """Write ``frame`` to ``connection`` (from :func:`direct`) if it is plainly open and
    writable now; False if the ordinary ``send()`` must take it."""
    return fast_uvicorn.write(connection, frame.wire)
