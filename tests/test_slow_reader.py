"""A peer that stops reading holds up nobody: its frames wait behind the first one the
server holds back, in order, up to a bound, after which its socket is closed with 1013."""

from __future__ import annotations

import asyncio
from typing import Any

from live.consumers import LiveConsumer, State
from live.outbox import STALLED_LIMIT, Outbox
from live.protocol import CloseCode


class Server:
    """Stands in for an ASGI server's send(): holds frames back while ``reading`` is clear."""

    def __init__(self) -> None:
        self.written: list[str] = []
        self.reading = asyncio.Event()
        self.reading.set()

    async def send(self, message: dict[str, Any]) -> None:
        await self.reading.wait()
        self.written.append(message["text"])


def socket_on(server: Server) -> LiveConsumer:
    sock = LiveConsumer()
    sock.base_send = server.send
    sock.outbox = Outbox(server.send, sock._give_up)
    sock.state = State.LIVE
    sock.closed_with: list[int] = []

    async def close(code: int) -> None:
        sock.closed_with.append(code)

    sock.close = close  # type: ignore[method-assign]
    return sock


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_frames_to_a_slow_reader_wait_in_order_and_others_go_on() -> None:
    slow_server, fast_server = Server(), Server()
    slow, fast = socket_on(slow_server), socket_on(fast_server)
    slow.deliver(None, None, "1")
    slow_server.reading.clear()

    for frame in ("2", "3", "4"):
        slow.deliver(None, None, frame)
        fast.deliver(None, None, frame)  # what the hub does next: not held up

    assert fast_server.written == ["2", "3", "4"]
    assert slow_server.written == ["1"]
    slow_server.reading.set()
    await settle()
    assert slow_server.written == ["1", "2", "3", "4"]
    assert slow.outbox.stalled is None  # back to writing at once
    slow.deliver(None, None, "5")
    assert slow_server.written[-1] == "5"


async def test_a_reader_that_never_catches_up_is_closed_1013_and_memory_stays_bounded() -> None:
    server = Server()
    sock = socket_on(server)
    server.reading.clear()

    for i in range(STALLED_LIMIT + 50):
        sock.deliver(None, None, str(i))
    await settle()

    assert sock.closed_with == [CloseCode.TRY_AGAIN_LATER]
    assert sock.outbox.stalled is None or len(sock.outbox.stalled) <= STALLED_LIMIT
    assert not sock.ready  # nothing more is queued for it
