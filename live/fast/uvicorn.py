"""Frames written straight to a uvicorn connection's transport: the only use of uvicorn's
private internals (setting ``LIVE["FAST_UVICORN"]``, environment ``LIVE_FAST_UVICORN``).

A frame the hub sends to many sockets is the same bytes for each (live/wire.py), so under
uvicorn's ``websockets-sansio`` protocol it is written to each connection's transport exactly
where the server's own ``send()`` would have written its copy, skipping the per-socket ASGI
``send()``: the event dict, the protocol's encoding and framing, and an ``await``.

Relies on, in ``uvicorn.protocols.websockets.websockets_sansio_impl``:
``WebSocketsSansIOProtocol`` (the ASGI ``send`` being its bound method, so ``send.__self__`` is
the connection) and its attributes ``conn`` (the ``websockets`` ``ServerProtocol``),
``transport``, ``disconnected``, ``close_sent``, ``handshake_complete``, ``initial_response``
and ``writable`` (an ``asyncio.Event``, clear while the transport is paused); of ``conn``:
``state``, ``expect_continuation_frame`` and ``extensions``. Tested with uvicorn 0.52.1 and
0.55.0 (0.35 to 0.52.0 have the protocol but no ``disconnected``) and websockets 17.4;
``tests/test_internals_contract.py`` checks them, and that a frame written this way reaches
the client exactly as one sent through ``send()``.

The plain path (off): every frame goes through the server's ``send()``. Measured roughly
(``python scripts/internals_bench.py``, a 2 KB frame, one core of the development machine):
0.5 µs per socket to write the shared bytes, against 1.4 µs for the protocol's framing
alone, before the ASGI ``send()``'s own coroutine and event dict; per event to 1,000 sockets,
a millisecond or two of the process's one thread. docs/performance.md found it bought little
end to end: the kernel's ``send()`` per socket dominates either way.
"""

from __future__ import annotations

import inspect
from typing import Any

try:
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
except ImportError:  # pragma: no cover (uvicorn is in requirements.txt)
    WebSocketsSansIOProtocol = None  # type: ignore[misc,assignment]

from websockets.protocol import State

# What the fast path reads of a connection and of its websockets protocol (the contract test's list).
CONNECTION_ATTRIBUTES = (
    "conn",
    "transport",
    "disconnected",
    "close_sent",
    "handshake_complete",
    "initial_response",
    "writable",
)
PROTOCOL_ATTRIBUTES = ("state", "expect_continuation_frame", "extensions")


def direct(send: Any) -> Any:
    """The server connection behind an ASGI ``send`` if frames can be written to it directly
    (uvicorn's websockets-sansio protocol), else None. Middleware between the server and the
    app that passes ``websocket.send`` messages through unchanged says so by keeping the
    server's ``__self__`` (dashboard/logs.py) or by naming the ``send`` it wraps in
    ``__wrapped__`` (as ``functools.wraps`` does); any other wrapper keeps every frame on the
    ordinary path."""
    connection = getattr(inspect.unwrap(send), "__self__", None)
    if WebSocketsSansIOProtocol is not None and type(connection) is WebSocketsSansIOProtocol:
        return connection
    return None


def write(connection: Any, wire: bytes) -> bool:
    """Write the encoded frame ``wire`` to ``connection`` (from :func:`direct`) if it is plainly
    open and writable now; False if the ordinary ``send()`` must take it."""
    protocol = connection.conn
    if (
        connection.disconnected
        or connection.close_sent
        or not connection.handshake_complete
        or connection.initial_response is not None
        or not connection.writable.is_set()
        or protocol.state is not State.OPEN
        or protocol.expect_continuation_frame
        or protocol.extensions
        or connection.transport.is_closing()
    ):
        return False
    connection.transport.write(wire)
    return True
