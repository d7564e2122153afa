"""The baseline for benchmarks: a bare ``websockets`` broadcast server, the practical limit
for Python on this machine. Sockets that connect with ``?control=1`` send messages; each is
broadcast to every other socket. Run: python scripts/bare_server.py PORT"""

from __future__ import annotations

import asyncio
import sys

from websockets.asyncio.server import ServerConnection, broadcast, serve

CLIENTS: set[ServerConnection] = set()


async def handler(socket: ServerConnection) -> None:
    if "control=1" in (socket.request.path if socket.request else ""):
        async for message in socket:
            broadcast(CLIENTS, message)
        return
    CLIENTS.add(socket)
    try:
        await socket.wait_closed()
    finally:
        CLIENTS.discard(socket)


async def main(port: int) -> None:
    async with serve(handler, "127.0.0.1", port, compression=None, max_size=2**20, ping_interval=20):
        await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
