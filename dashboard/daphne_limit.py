"""daphne with ``MAX_REQUEST_BYTES`` applied as a request's body arrives (scripts/serve.sh).

daphne's HTTP layer (Twisted) writes a whole request body to a temporary file before the
app sees a byte of it, so the app's own limit (dashboard/body_limit.py) could only answer
once a 300 MB chunked body had been spooled. Here daphne's request counts the body as it
arrives and, past the limit (or at a declared length over it), answers the same 413 at once,
closes the connection and keeps nothing; the app never runs for it.

    python -m dashboard.daphne_limit <daphne's own arguments>
"""

from __future__ import annotations

import sys
from typing import Any

from daphne import http_protocol
from daphne.cli import CommandLineInterface


class LimitedRequest(http_protocol.WebRequest):
    """daphne's request, refusing a body over ``MAX_REQUEST_BYTES`` while it arrives."""

    received = 0
    refused = False

    def gotLength(self, length: int | None) -> None:  # noqa: N802 (Twisted's name)
        super().gotLength(length)
        if length is not None and length > _limit():
            self._refuse()

    def handleContentChunk(self, data: bytes) -> None:  # noqa: N802 (Twisted's name)
        if self.refused:
            return
        self.received += len(data)
        if self.received > _limit():
            self._refuse()
            return
        super().handleContentChunk(data)

    def process(self) -> Any:
        if self.refused:
            return None
        return super().process()

    def _refuse(self) -> None:
        """Send the 413 (dashboard/body_limit.py's, in the request's language) and hang up."""
        from dashboard.body_limit import refusal

        self.refused = True
        self.content.close()
        headers = {
            name.lower(): b",".join(values).decode("latin-1")
            for name, values in self.requestHeaders.getAllRawHeaders()
        }
        body, response_headers = refusal(headers, _limit())
        head = b"HTTP/1.1 413 Request Entity Too Large\r\n"
        for name, value in [*response_headers, (b"content-length", str(len(body)).encode())]:
            head += name + b": " + value + b"\r\n"
        self.channel.transport.write(head + b"\r\n" + body)
        self.channel.loseConnection()


def _limit() -> int:
    from django.conf import settings

    return settings.MAX_REQUEST_BYTES


def main() -> None:
    http_protocol.WebRequest = LimitedRequest  # what daphne's HTTPFactory builds requests from
    sys.argv[0] = "daphne"
    CommandLineInterface.entrypoint()


if __name__ == "__main__":
    main()
