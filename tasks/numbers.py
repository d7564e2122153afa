"""Whole numbers from query strings (``?board=``, ``?before=``) without surprises."""

from __future__ import annotations

BIGGEST = 2**63 - 1  # the largest id or change number the database holds


def whole_number(text: str | None) -> int | None:
    """``text`` as a whole number the database can hold (0 to 2**63 - 1), or None.

    Only ASCII digits count: ``str.isdigit()`` also says yes to "²", which ``int()`` refuses,
    and to digits of other scripts; and a number of thousands of digits is more than ``int()``
    reads or a database column holds. Each of those used to be a server error.
    """
    if text is None or not 0 < len(text) <= 19 or not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    return number if number <= BIGGEST else None
