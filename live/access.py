"""What a user may see can change while their pages are open.

A socket is authorized at its handshake (``LiveConsumer.authorize()``), but afterwards a
manager can remove someone from a restricted board, demote them, make an open board
restricted, delete a board, or take someone out of a private room. None of that may wait for
a reconnect: a page left open all day would keep receiving what its user may no longer see.

So every such write calls :func:`access_changed` with the topics whose sockets are affected
(``user.<id>`` for one person, ``board.<id>`` or ``room.<id>`` for everyone watching). After
commit, every process's hub asks each of its sockets on those topics to authorize again
(``LiveConsumer.reauthorize()``): refused, the socket ends with 4403 and the page says "No
access to live updates"; allowed, it carries on with its new audience (a demoted manager's
delete buttons go) from a fresh snapshot. The signal receivers that call it live beside their
models (``tasks/signals.py``, ``chat/signals.py``); saving a user re-checks their sockets the
same way (``live/sessions.py``).
"""

from __future__ import annotations

from live.publish import publish

ACCESS_CHANGED = "access.changed"


def access_changed(*topics: str) -> None:
    """Once the current transaction commits, every socket on ``topics`` authorizes again."""
    for topic in dict.fromkeys(topics):
        publish(topic, {"kind": ACCESS_CHANGED})
