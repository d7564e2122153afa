"""Rendering one event for the pages that watch its topic, and handing each socket its frame.

An event is rendered once per language present among the viewers (a worker-thread call
each; the renderers return, per page, one frame for everybody or :class:`Variants` by
audience: live/registry.py), never once per socket. Then each page's distinct viewers pick
their text once, each distinct text is encoded once (live/wire.py), and every socket gets a
reference to it: a socket costs a lookup and a write. What rendering each kind of event costs
(renders, queries) is counted for tests and the ops page.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Set
from typing import Any

from channels.db import database_sync_to_async
from django.db import connection
from django.utils import translation

from live import registry, stats
from live.parts import Socket
from live.registry import Viewer
from live.wire import Outgoing

Frames = dict[str, dict[str, registry.Frame]]  # language -> page -> frame


async def render(
    message: dict[str, Any], pages: frozenset[str], viewers: dict[str, frozenset[Viewer]]
) -> Frames:
    """``message`` rendered for ``pages``, once per language among ``viewers``."""
    renderer = registry.renderer_for(message["kind"])
    languages = {viewer.language for page_viewers in viewers.values() for viewer in page_viewers}
    return {
        language: await database_sync_to_async(_render_counting_queries)(
            renderer, message, pages, language, viewers
        )
        for language in languages
    }


def deliver(
    topic: str,
    seq: int | None,
    frames: Frames,
    pages: Mapping[str, Set[Socket]],
    viewers: dict[str, frozenset[Viewer]],
) -> int:
    """Hand every socket of ``pages`` its viewer's frame; how many got one."""
    sent = 0
    encoded: dict[int, Outgoing] = {}  # each distinct text, encoded once (live/wire.py)
    for page, members in list(pages.items()):
        # each distinct viewer's text, picked once: a user's tabs (and, for a frame that is
        # the same for everyone, every socket) share it, and a socket costs a lookup
        texts: dict[Viewer, Outgoing] = {}
        for viewer in viewers.get(page, ()):
            frame = frames.get(viewer.language, {}).get(page)
            text = frame if frame is None or isinstance(frame, str) else frame.pick(viewer)
            if text:
                texts[viewer] = encoded.get(id(text)) or encoded.setdefault(id(text), Outgoing(text))
        for sock in tuple(members):
            out = texts.get(sock.viewer)
            if out is not None:
                sock.deliver(topic, seq, out)
                sent += 1
    return sent


def _render_counting_queries(
    renderer: registry.Renderer,
    message: dict[str, Any],
    pages: frozenset[str],
    language: str,
    viewers: dict[str, frozenset[Viewer]],
) -> dict[str, registry.Frame]:
    queries = 0

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    renders_before = stats.counters["renders"]
    with (
        connection.execute_wrapper(count),
        translation.override(language),
        registry.render_pass(
            {page: frozenset(v for v in vs if v.language == language) for page, vs in viewers.items()}
        ),
    ):
        frames = renderer(message, pages)
    stats.counters["queries"] += queries
    cost = stats.event_costs.setdefault(message.get("kind", ""), Counter())
    cost["renders"] += stats.counters["renders"] - renders_before  # renders run on this one thread
    cost["queries"] += queries
    return frames
