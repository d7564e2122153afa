from __future__ import annotations

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def live_status_pace() -> str:
    """The CSS class that times the connection indicator to the heartbeat (styles.css):
    "Reconnecting…" 2.5 heartbeats after the last one (25 s at the default 10 s)."""
    return "live-fast" if settings.LIVE["HEARTBEAT"] <= 2 else ""


@register.simple_tag
def live_region(dom_id: str, **keys: object) -> str:
    """A declared region (live/regions.py) as it is now, where the page shows it:
    ``{% live_region "board-{board}-due" board=board.pk %}``."""
    from live.regions import declared

    return declared(dom_id).render(oob=False, **keys)
