"""Building blocks of outbound frames. Every top-level element of a frame has an ``id`` and
an explicit ``hx-swap-oob``, which htmx 2 and htmx 4 both honour."""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.safestring import SafeString


def oob_into(container_id: str, swap: str, inner: SafeString) -> SafeString:
    """Swap ``inner`` (already rendered) into the element ``container_id``, e.g. with
    ``afterbegin`` to put it first. The wrapper itself is not inserted."""
    return format_html('<div id="{}" hx-swap-oob="{}">{}</div>', container_id, swap, inner)


def oob_delete(element_id: str) -> SafeString:
    """Remove the element ``element_id`` from the page."""
    return format_html('<div id="{}" hx-swap-oob="delete"></div>', element_id)
