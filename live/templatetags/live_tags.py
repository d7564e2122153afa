from __future__ import annotations

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def live_status_pace() -> str:
    """The CSS class that times the connection indicator to the heartbeat (styles.css):
    "Reconnecting…" 2.5 heartbeats after the last one (25 s at the default 10 s)."""
    return "live-fast" if settings.LIVE["HEARTBEAT"] <= 2 else ""
