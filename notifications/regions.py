"""The bell on every page as declared live regions (live/regions/): ``notif-badge`` and
``notif-list``, re-rendered whole on every change to a user's notifications (they are
small, and a whole region is idempotent: no change can be applied twice or out of place).

They live on the user's own topic, ``user.<id>``, which every page's socket hears: so they
are in every page's snapshot, rendered once per user per server process whatever the
number of tabs, and written to that user's tabs only.
"""

from __future__ import annotations

from typing import Any

from live.regions import Region
from live.registry import once
from notifications.live import items
from notifications.selectors import PANEL_SIZE, InboxState, inbox_seq, inbox_state

INBOX_EVENTS = ("inbox.changed",)


def _state(user: int) -> InboxState:
    return once(("inbox", user), lambda: inbox_state(user))  # one read for both regions


def _seq(user: int) -> int:
    return once(("inbox_seq", user), lambda: inbox_seq(user))


def _panel(user: int) -> dict[str, Any]:
    state = _state(user)
    shown = state.notifications[:PANEL_SIZE]
    return {
        "items": items(state.notifications, previous_visit_at=state.previous_visit_at),
        "empty": not shown,
        "before": shown[-1].pk if len(state.notifications) > PANEL_SIZE else None,
    }


badge = Region(
    dom_id="notif-badge",
    template="notifications/partials/badge.html",
    topic="user.{user}",
    refresh_on=INBOX_EVENTS,
    context=lambda user: {"unread": _state(user).unread},
    version=_seq,
).register()

panel = Region(
    dom_id="notif-list",
    template="notifications/partials/list.html",
    topic="user.{user}",
    refresh_on=INBOX_EVENTS,
    context=_panel,
    version=_seq,
).register()


def bell(user_id: int, *, oob: bool) -> dict[str, str]:
    """Both, as they are now (for pages, and for the answers to HTTP mark-read requests)."""
    return {"badge": badge.render(oob=oob, user=user_id), "list": panel.render(oob=oob, user=user_id)}
