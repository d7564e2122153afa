from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from tasks import dom

register = template.Library()


@register.simple_tag
def dom_id(kind: str, *args: Any) -> str:
    """``{% dom_id "task" task.pk %}`` -> ``task-3`` (see tasks/dom.py)."""
    if kind.startswith("_") or not hasattr(dom, kind):
        raise template.TemplateSyntaxError(f"unknown dom id kind {kind!r}")
    value = getattr(dom, kind)
    return value(*args) if callable(value) else value


@register.filter
def display_name(user: Any) -> SafeString | str:
    """The person's name as text, in a <bdi>: a name written right to left (or holding a
    direction override) cannot turn the words around it."""
    if user is None:
        return ""
    return format_html("<bdi>{}</bdi>", user.get_full_name() or user.get_username())
