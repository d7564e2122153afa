"""How many sockets one person, and one address, may hold open in a server process.

Each open socket costs memory and a share of every fan-out, and each has its own budget of
signals (live/ratelimit.py): a script opening hundreds of sockets with one account (or from
one address) would multiply both. Past ``LIVE["MAX_SOCKETS_PER_USER"]`` or
``LIVE["MAX_SOCKETS_PER_ADDRESS"]`` a new socket is accepted and closed at once with 4429
(which htmx does not retry; the page says live updates stopped, reload). The counts are per
server process: with N workers a person may hold up to N times the cap. Behind a proxy the
address is the client's only if the server trusts the proxy's forwarded headers (uvicorn
does for 127.0.0.1 by default; ``FORWARDED_ALLOW_IPS`` otherwise).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.conf import settings

_per_user: Counter[int] = Counter()
_per_address: Counter[str] = Counter()


def address_of(scope: dict[str, Any]) -> str:
    client = scope.get("client")
    return str(client[0]) if client else ""


def take(user_id: int, address: str) -> str | None:
    """Count one more socket of ``user_id`` from ``address``; or, past a cap, count nothing
    and say which ("user" or "address")."""
    if _per_user[user_id] >= settings.LIVE["MAX_SOCKETS_PER_USER"]:
        return "user"
    if address and _per_address[address] >= settings.LIVE["MAX_SOCKETS_PER_ADDRESS"]:
        return "address"
    _per_user[user_id] += 1
    if address:
        _per_address[address] += 1
    return None


def give_back(user_id: int, address: str) -> None:
    """The socket counted by :func:`take` has closed."""
    _forget(_per_user, user_id)
    if address:
        _forget(_per_address, address)


def _forget(counts: Counter[Any], key: Any) -> None:
    counts[key] -= 1
    if counts[key] <= 0:
        del counts[key]


def reset() -> None:
    _per_user.clear()
    _per_address.clear()
