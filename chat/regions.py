"""The chat room's declared live region (live/regions.py): "seen by" under the newest
messages, re-rendered whole when a message arrives or someone's read position moves.

(The messages themselves are a stream of inserts, rendered by chat/live.py; who is here and
who is typing are kept by the hub, live/presence.py and live/typing.py.)
"""

from __future__ import annotations

from typing import Any

from chat.selectors import seen_by
from live.regions import Region

ROOM = "room"  # the page (chat/consumers.py)


def _seen(room: int) -> dict[str, Any]:
    latest, readers = seen_by(room)
    return {"latest": latest, "readers": readers}


seen = Region(
    dom_id="room-{room}-seen",
    template="chat/partials/seen.html",
    topic="room.{room}",
    refresh_on=("message.created", "receipts.changed"),
    context=_seen,
    pages=(ROOM,),
).register()
