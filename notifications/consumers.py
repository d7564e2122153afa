"""Notifications on every page's socket, and the lesson's own route for them.

``InboxMixin`` adds to any live page the bell's badge and panel in the snapshot (events come
on the user's own topic, ``user.<id>``, which every socket hears) and the lesson's actions,
answered with HTML:

| action              | values              | effect                                            |
|---------------------|---------------------|---------------------------------------------------|
| ``mark_read``       | ``notification_id`` | marks it read; every tab of the user updates      |
| ``mark_all_read``   |                     | marks all read; every tab of the user updates     |
| ``get_notifications`` | ``before`` (optional) | sends the panel (or the page before an id) to this socket |

Pages of other apps get them with :func:`with_inbox` where the site puts their routes
together (dashboard/routing.py), so those apps need not import this one.
``ws/notifications/user/`` is a page socket with nothing but that.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from channels.db import database_sync_to_async
from django import forms
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from live.consumers import LiveConsumer
from live.fragments import oob_delete, oob_into
from live.protocol import Inbound
from live.registry import Viewer, render
from notifications import actions
from notifications.live import items
from notifications.models import Notification
from notifications.regions import bell
from notifications.selectors import PANEL_SIZE, latest
from tasks.selectors import viewer_for


class NotificationRef(forms.Form):
    notification_id = forms.IntegerField(min_value=1)


class PageRef(forms.Form):
    before = forms.IntegerField(min_value=1, required=False)


class InboxMixin:
    inbox_actions = {
        "mark_read": "mark_read",
        "mark_all_read": "mark_all_read",
        "get_notifications": "get_notifications",
    }

    async def mark_read(self, inbound: Inbound) -> None:
        form = NotificationRef(inbound.values)
        if not form.is_valid():
            await self.send_error(_("That message named no valid notification."))  # type: ignore[attr-defined]
            return
        try:
            await database_sync_to_async(self.as_acting_user)(
                actions.mark_read, notification_id=form.cleaned_data["notification_id"]
            )
        except Notification.DoesNotExist:
            await self.send_error(_("No such notification."))  # type: ignore[attr-defined]
        except PermissionDenied as exc:
            await self.send_error(str(exc))  # type: ignore[attr-defined]

    async def mark_all_read(self, inbound: Inbound) -> None:
        try:
            await database_sync_to_async(self.as_acting_user)(actions.mark_all_read)
        except PermissionDenied as exc:
            await self.send_error(str(exc))  # type: ignore[attr-defined]

    def as_acting_user(self, action: Callable[..., Any], **kwargs: Any) -> Any:
        """Run ``action`` (sync) for the socket's user as the database has them now: an account
        deactivated since the socket opened raises PermissionDenied."""
        return action(user=self.acting_user(), **kwargs)  # type: ignore[attr-defined]

    async def get_notifications(self, inbound: Inbound) -> None:
        form = PageRef(inbound.values)
        if not form.is_valid():
            await self.send_error(_("That message named no valid page."))  # type: ignore[attr-defined]
            return
        html = await database_sync_to_async(self._page)(form.cleaned_data["before"])
        await self.send(text_data=html)  # type: ignore[attr-defined]

    def _page(self, before: int | None) -> str:
        if before is None:
            return "".join(bell(self.viewer.user_id, oob=True).values())  # type: ignore[attr-defined]
        rows = latest(self.viewer.user_id, before=before)  # type: ignore[attr-defined]
        page = render(
            "notifications/partials/more.html",
            {"items": items(rows), "before": rows[PANEL_SIZE - 1].pk if len(rows) > PANEL_SIZE else None},
        )
        # In place of the "load more" item that asked for this page (the page brings its own
        # if there is still more). Idempotent: a second answer finds that item gone.
        anchor = f"notif-more-{before}"
        return oob_into(anchor, "beforebegin", page) + oob_delete(anchor)


def with_inbox(consumer: type[LiveConsumer]) -> type[LiveConsumer]:
    """``consumer`` with the bell's actions added to its own (its own win a name clash)."""
    return type(
        consumer.__name__,
        (InboxMixin, consumer),
        {
            "actions": {**InboxMixin.inbox_actions, **consumer.actions},
            "__module__": consumer.__module__,
            "__qualname__": consumer.__qualname__,
            "__doc__": consumer.__doc__,
        },
    )


class UserNotificationConsumer(InboxMixin, LiveConsumer):
    """``ws/notifications/user/``: the user's notifications alone."""

    page = "inbox"
    actions = InboxMixin.inbox_actions

    def authorize(self, user: Any) -> tuple[Viewer, list[str]]:
        return viewer_for(user), []

    def render_snapshot(self) -> tuple[str, dict[str, int]]:
        return "", {}
