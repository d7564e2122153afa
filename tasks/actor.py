"""Who is making the current change, for the activity feed.

Write actions run their saves inside ``acting_as(user)``; the model signal handlers, which
see every write path (actions, admin, API, shell), read it. A save outside any action has no
actor and is shown as "someone".
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_actor: ContextVar[Any] = ContextVar("task_actor", default=None)


@contextmanager
def acting_as(user: Any) -> Iterator[None]:
    token = _actor.set(user)
    try:
        yield
    finally:
        _actor.reset(token)


def current_actor() -> Any:
    return _actor.get()
