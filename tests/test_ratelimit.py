"""The per-socket budgets (live/ratelimit.py), on a clock the test turns by hand."""

from __future__ import annotations

from typing import Any

import pytest

from live import ratelimit
from live.ratelimit import STRIKES_BEFORE_CLOSE, Limiter


@pytest.fixture
def clock(monkeypatch: Any) -> list[float]:
    now = [1000.0]
    monkeypatch.setattr(ratelimit.time, "monotonic", lambda: now[0])
    return now


def test_a_burst_now_and_then_never_adds_up_to_a_close(clock: list[float], settings: Any) -> None:
    settings.LIVE = {**settings.LIVE, "RATE": (5.0, 10)}
    limiter = Limiter()
    for _hour in range(24):
        allowed = sum(limiter.allow(signal=False) for _ in range(10 + STRIKES_BEFORE_CLOSE - 5))
        assert allowed == 10
        assert not any(limiter.strike() for _ in range(STRIKES_BEFORE_CLOSE - 5))
        clock[0] += 3600  # strikes fade, the bucket refills


def test_sustained_flooding_closes(clock: list[float], settings: Any) -> None:
    settings.LIVE = {**settings.LIVE, "RATE": (5.0, 10)}
    limiter = Limiter()
    flooding = []
    for _ in range(200):  # 100 frames a second for 2 s
        clock[0] += 0.01
        if not limiter.allow(signal=False):
            flooding.append(limiter.strike())
    assert any(flooding)
    assert flooding.index(True) < STRIKES_BEFORE_CLOSE + 5  # within a fraction of a second


def test_signals_have_a_budget_of_their_own(clock: list[float], settings: Any) -> None:
    settings.LIVE = {**settings.LIVE, "RATE": (5.0, 10), "SIGNAL_RATE": (20.0, 100)}
    limiter = Limiter()
    assert sum(limiter.allow(signal=False) for _ in range(50)) == 10
    assert sum(limiter.allow(signal=True) for _ in range(150)) == 100  # untouched by actions
    assert limiter.signals.wait() == pytest.approx(1 / 20)


def test_frames_that_waited_behind_the_server_are_no_burst(clock: list[float], settings: Any) -> None:
    """A client sending 4 a second while the server spends 20 s on one of its frames: the 80
    frames that queued meanwhile arrive at once, and are all allowed."""
    settings.LIVE = {**settings.LIVE, "RATE": (5.0, 10)}
    limiter = Limiter()
    assert limiter.allow(signal=False)
    clock[0] += 20
    limiter.handled(20)

    assert sum(limiter.allow(signal=False) for _ in range(80)) == 80
    assert sum(limiter.allow(signal=False) for _ in range(100)) < 50  # but no more than it earned


def test_a_flood_of_quickly_handled_frames_earns_nothing(clock: list[float], settings: Any) -> None:
    settings.LIVE = {**settings.LIVE, "RATE": (5.0, 10)}
    limiter = Limiter()
    allowed = 0
    for _ in range(200):  # 100 frames a second, each handled in a millisecond
        clock[0] += 0.01
        if limiter.allow(signal=False):
            allowed += 1
            limiter.handled(0.001)
    assert allowed < 25  # the burst and 5 a second, near enough
