"""Read what a socket received the way htmx does: the top-level elements of a frame, each
with its id, its hx-swap-oob and its inner HTML."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    html: str = ""  # everything inside, markup included
    text: str = ""  # the text inside, whitespace collapsed
    children_ids: list[str] = field(default_factory=list)

    @property
    def id(self) -> str | None:
        return self.attrs.get("id")

    @property
    def swap(self) -> str | None:
        return self.attrs.get("hx-swap-oob")


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.top: list[Element] = []
        self.depth = 0
        self.stray_text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth == 0:
            self.top.append(Element(tag, dict(attrs)))
        else:
            self.top[-1].html += self.get_starttag_text() or ""
            if dict(attrs).get("id"):
                self.top[-1].children_ids.append(dict(attrs)["id"] or "")
        if tag not in VOID:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        self.depth -= 1
        if self.depth > 0:
            self.top[-1].html += f"</{tag}>"

    def handle_data(self, data: str) -> None:
        if self.depth == 0:
            self.stray_text += data.strip()
        else:
            self.top[-1].html += data
            self.top[-1].text = " ".join((self.top[-1].text + " " + data).split())


def parse(frame: str) -> list[Element]:
    parser = _Parser()
    parser.feed(frame)
    parser.close()
    assert parser.depth == 0, f"unbalanced frame: {frame[:200]}"
    assert not parser.stray_text, f"text outside elements: {parser.stray_text[:80]!r}"
    return parser.top


def by_id(frame: str) -> dict[str, Element]:
    """Top-level elements by id; asserts every one has an id and an explicit hx-swap-oob."""
    elements = parse(frame)
    for element in elements:
        assert element.id, f"top-level <{element.tag}> without id"
        assert element.swap, f"top-level #{element.id} without hx-swap-oob"
    return {element.id: element for element in elements if element.id}


def swaps(frame: str) -> list[tuple[str, str]]:
    """(id, hx-swap-oob) of each top-level element, in order."""
    return [(element.id or "", element.swap or "") for element in parse(frame)]


async def quiet(socket: object, timeout: float = 0.5) -> bool:
    """True if ``socket`` (a WebsocketCommunicator) receives nothing within ``timeout`` seconds
    but "who is here" and connection-indicator updates, which come and go by themselves. Polls
    the output queue like ``receive_nothing`` does (a timed-out receive would cancel the app)."""
    import asyncio
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if socket.output_queue.empty():  # type: ignore[attr-defined]
            await asyncio.sleep(0.02)
            continue
        message = await socket.receive_output()  # type: ignore[attr-defined]
        ids = [element.id or "" for element in parse(message.get("text") or "")]
        if message["type"] != "websocket.send" or not all(
            i.startswith("presence-") or i == "live-status" for i in ids
        ):
            return False
    return True


async def next_frame(socket: object, timeout: float = 3) -> str:
    """The next frame ``socket`` receives, skipping "who is here" updates (they arrive
    whenever people come and go)."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        text = await socket.receive_from(timeout=max(deadline - time.monotonic(), 0.01))  # type: ignore[attr-defined]
        ids = [element.id or "" for element in parse(text)]
        if not ids or not all(i.startswith("presence-") for i in ids):
            return text
