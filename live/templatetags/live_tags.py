from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.template import TemplateSyntaxError
from django.utils.safestring import SafeString

from live import htmx

register = template.Library()


@register.simple_tag
def live_status_pace() -> str:
    """The CSS class that times the connection indicator to the heartbeat (styles.css):
    "Reconnecting…" 2.5 heartbeats after the last one (25 s at the default 10 s)."""
    return "live-fast" if settings.LIVE["HEARTBEAT"] <= 2 else ""


@register.simple_tag
def live_region(dom_id: str, **keys: object) -> str:
    """A declared region (live/regions/) as it is now, where the page shows it:
    ``{% live_region "board-{board}-due" board=board.pk %}``."""
    from live.regions import Collection, MergedStream, declared

    region = declared(dom_id)
    if isinstance(region, Collection | MergedStream):  # (their pages render them with the viewer)
        raise TemplateSyntaxError(
            f"{dom_id!r} is a {type(region).__name__}: render it in the view, not with live_region"
        )
    named: dict[str, Any] = dict(keys)
    return region.render(oob=False, **named)


@register.simple_tag
def live_poll_interval() -> int:
    """Seconds between polls while a page's socket is down (live/poll.py)."""
    return settings.LIVE["POLL_INTERVAL"]


# The spelling of the htmx in use (2 or 4: live/htmx.py), for templates.


@register.simple_tag
def htmx_config() -> str:
    """``<meta name="htmx-config" content="{% htmx_config %}">``."""
    return htmx.config()


@register.simple_tag
def htmx_scripts() -> SafeString:
    """htmx and its ws extension, from django-htmx's static files."""
    return htmx.scripts()


@register.simple_tag(takes_context=True)
def page_socket(context: template.Context) -> str:
    """The page's socket: the one its view names (``live_socket``), else, for a signed-in
    user, the bell's own (``ws/notifications/user/``), so the bell is live on every page."""
    if context.get("live_socket"):
        return context["live_socket"]
    user = context.get("user")
    if user is not None and user.is_authenticated:
        from live.poll import socket_path

        return socket_path("inbox-socket")
    return ""


@register.simple_tag
def live_connect(path: str) -> SafeString:
    """The attributes that open the page's socket: ``<main {% live_connect live_socket %}>``."""
    return htmx.connect(path)


@register.simple_tag
def ws_send() -> SafeString:
    """``<form {% ws_send %}>``: the form is sent over the page's socket."""
    return htmx.send()


@register.simple_tag
def live_closed_event() -> str:
    """The event fired on the page when its socket closes (for ``hx-trigger``)."""
    return htmx.closed_event()


@register.simple_tag
def live_send_error_event() -> str:
    """The event htmx fires when a request gets no answer (for ``hx-trigger``)."""
    return htmx.send_error_event()


@register.simple_tag
def disable_while_sending(selector: str) -> SafeString:
    """``{% disable_while_sending "find button" %}``: disabled while the request is in flight."""
    return htmx.disable_while_sending(selector)


@register.simple_tag
def inherited(name: str) -> str:
    """``{% inherited "hx-headers" %}='…'``: an attribute every element below inherits."""
    return htmx.inherited(name)
