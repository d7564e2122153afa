from __future__ import annotations

import datetime

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def badge(count: int) -> str:
    """An unread count as the badge shows it: "99+" past 99."""
    return "99+" if count > 99 else str(count)


@register.filter
def when(moment: datetime.datetime | None) -> str:
    """Relative by day ("Today 09:15", "Yesterday 17:02", "Mon 14:00", "Nov 3"): it stays true
    while a page is open all day, where "5 minutes ago" would not."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    days = (timezone.localdate() - local.date()).days
    clock = date_format(local, "H:i")
    if days == 0:
        return _("Today %(time)s") % {"time": clock}
    if days == 1:
        return _("Yesterday %(time)s") % {"time": clock}
    if 1 < days < 7:
        return f"{date_format(local, 'D')} {clock}"
    return date_format(local, "M j" if local.year == timezone.localdate().year else "M j, Y")
