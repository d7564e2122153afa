from __future__ import annotations

from typing import Any

from django import template

from tasks import dom

register = template.Library()


@register.simple_tag
def dom_id(kind: str, *args: Any) -> str:
    """``{% dom_id "task_list" board.pk "open" %}`` -> ``board-3-open`` (see tasks/dom.py)."""
    if kind.startswith("_") or not hasattr(dom, kind):
        raise template.TemplateSyntaxError(f"unknown dom id kind {kind!r}")
    value = getattr(dom, kind)
    return value(*args) if callable(value) else value


@register.filter
def display_name(user: Any) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()
