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

Strikes fade, one a second: only sustained flooding reaches ``STRIKES_BEFORE_CLOSE`` and ends
the socket with 4429 (which htmx does not retry); a burst now and then, over a day, never does.
"""

from __future__ import annotations

import time

from django.conf import settings

STRIKES_BEFORE_CLOSE = 20  # strikes (fading STRIKE_FADE a second) before a socket is closed 4429
STRIKE_FADE = 1.0
DRAINING = 0.5  # seconds: frames read closer together than this are a backlog draining


class TokenBucket:
    """``rate`` tokens per second, at most ``burst`` saved up, plus what the socket earned
    while the server kept its frames waiting (``wait()``)."""

    __slots__ = ("rate", "burst", "tokens", "stamp", "waited")

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


class Limiter:
    """One socket's budgets and strikes (made on its first inbound frame)."""

    __slots__ = ("actions", "signals", "strikes", "struck_at")

    def __init__(self) -> None:
        self.actions = TokenBucket(*settings.LIVE["RATE"])
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
