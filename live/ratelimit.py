"""How much one socket may send, and what happens past it.

Two budgets, each a token bucket (``LIVE["RATE"]``, ``LIVE["SIGNAL_RATE"]``):

- *actions* (create a task, send a message, mark read...): 5 per second, bursts of 10. Past it
  the frame is refused with "slow down" and counts a strike.
- *signals* (``read``, ``typing``): frames the page sends by itself, as often as the server
  gives it reason to (every message that arrives in a chat room moves the read marker), and
  of which the latest supersedes the rest. They have a budget of their own, 20 per second
  with bursts of 100, so a reader of a busy room never hits the actions' limit; past it the
  latest of each kind is kept and handled as soon as the budget allows, silently. They count
  strikes too, so a flood of them ends like any other.

Frames are counted when the server reads them, not when they arrived (ASGI gives no arrival
time), so while the server works on one of a socket's frames, what the client sends meanwhile
waits and then comes at once, like a burst. The time the server spent on the socket's frames
is therefore credited to its budget, beyond the usual burst: a client is only counted against
what it sends faster than it is answered.

The actions' budget is the *user's*, shared by every socket they have open in this server
process (a person with forty tabs creates no faster than with one); signals stay per socket.

Strikes fade, one a second: only sustained flooding reaches ``STRIKES_BEFORE_CLOSE`` and ends
the socket with 4429 (which htmx does not retry); a burst now and then, over a day, never does.
"""

from __future__ import annotations

import time
import weakref

from django.conf import settings

STRIKES_BEFORE_CLOSE = 20  # strikes (fading STRIKE_FADE a second) before a socket is closed 4429
STRIKE_FADE = 1.0
DRAINING = 0.5  # seconds: frames read closer together than this are a backlog draining


class TokenBucket:
    """``rate`` tokens per second, at most ``burst`` saved up, plus what the socket earned
    while the server kept its frames waiting (``wait()``)."""

    __slots__ = ("rate", "burst", "tokens", "stamp", "waited", "__weakref__")

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst, self.tokens, self.stamp = rate, burst, float(burst), time.monotonic()
        self.waited = 0.0

    def take(self) -> bool:
        now = time.monotonic()
        cap = self.burst + self.waited * self.rate
        if now - self.stamp < DRAINING:  # frames that queued meanwhile still coming: keep what was earned
            cap = max(cap, self.tokens)
        self.tokens = min(cap, self.tokens + (now - self.stamp) * self.rate)
        self.stamp, self.waited = now, 0.0
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False

    def wait(self) -> float:
        """Seconds until a token is free."""
        return max(0.0, (1 - self.tokens) / self.rate)


# user id -> the actions' budget their sockets in this process share (gone with the last one)
_users_actions: weakref.WeakValueDictionary[int, TokenBucket] = weakref.WeakValueDictionary()


def actions_of(user_id: int | None) -> TokenBucket:
    """The actions' budget of ``user_id``'s sockets in this process (a socket's own if None)."""
    if user_id is None:
        return TokenBucket(*settings.LIVE["RATE"])
    bucket = _users_actions.get(user_id)
    if bucket is None:
        bucket = _users_actions[user_id] = TokenBucket(*settings.LIVE["RATE"])
    return bucket


class Limiter:
    """One socket's budgets and strikes (made on its first inbound frame); the actions'
    budget is shared with its user's other sockets."""

    __slots__ = ("actions", "signals", "strikes", "struck_at")

    def __init__(self, user_id: int | None = None) -> None:
        self.actions = actions_of(user_id)
        self.signals = TokenBucket(*settings.LIVE["SIGNAL_RATE"])
        self.strikes = 0.0
        self.struck_at = time.monotonic()

    def allow(self, *, signal: bool) -> bool:
        """Take a token from the frame's budget; False if there is none."""
        return (self.signals if signal else self.actions).take()

    def handled(self, seconds: float) -> None:
        """The server spent ``seconds`` on one of this socket's frames: whatever the client sent
        meanwhile waited behind it and arrives at once, which is no burst of the client's own.
        The budget may hold what it earned in that time beyond its usual burst."""
        self.actions.waited += seconds
        self.signals.waited += seconds

    def strike(self) -> bool:
        """Count a refused frame; True once the socket is flooding (close it with 4429)."""
        now = time.monotonic()
        self.strikes = max(0.0, self.strikes - (now - self.struck_at) * STRIKE_FADE) + 1
        self.struck_at = now
        return self.strikes >= STRIKES_BEFORE_CLOSE
