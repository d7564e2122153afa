"""The notification panel over plain HTTP: everything works without a socket too. Writes
answer with the fresh badge and panel for this tab; the other tabs get them live."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from live.poll import nudge, socket_path
from notifications import actions
from notifications.live import items
from notifications.models import Notification
from notifications.regions import bell
from notifications.selectors import PANEL_SIZE, latest
from tasks.numbers import whole_number


def _panel(request: HttpRequest) -> HttpResponse:
    return HttpResponse("".join(bell(request.user.pk, oob=True).values()))


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    """The page of notifications (its list is the live region ``notif-list``, as in the bell's
    panel, which leaves it out there), or the next page of that list ("load more", htmx)."""
    before = request.GET.get("before")
    before_id = whole_number(before)
    if before is not None and before_id is None:
        raise Http404(_("Bad page."))
    if not request.htmx:
        return render(request, "notifications/list.html", {"live_socket": socket_path("inbox-socket")})
    rows = latest(request.user.pk, before=before_id)
    page = {"items": items(rows), "before": rows[PANEL_SIZE - 1].pk if len(rows) > PANEL_SIZE else None}
    return render(request, "notifications/partials/more.html", page)


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        actions.mark_read(user=request.user, notification_id=pk)
    except Notification.DoesNotExist:
        raise Http404(_("No such notification.")) from None
    return nudge(_panel(request)) if request.htmx else redirect("notifications")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    actions.mark_all_read(user=request.user)
    return nudge(_panel(request)) if request.htmx else redirect("notifications")


@login_required
@require_http_methods(["GET", "POST"])
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow a notification's link. A POST (the panel's link, by htmx) marks it read on the
    way; a GET (a link prefetcher, a bookmark) only leads there and changes nothing."""
    if request.method == "GET":
        notification = Notification.objects.filter(recipient=request.user, pk=pk).first()
        if notification is None:
            raise Http404(_("No such notification."))
        return redirect(notification.target)
    try:
        notification = actions.mark_read(user=request.user, notification_id=pk)
    except Notification.DoesNotExist:
        raise Http404(_("No such notification.")) from None
    if request.htmx:
        return HttpResponseClientRedirect(notification.target)
    return redirect(notification.target)
