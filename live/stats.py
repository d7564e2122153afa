"""Process-wide counters of the live engine, shown on the ops page and read by benchmarks.

Plain integers in one dict: cheap enough to bump on the hot path.
"""

from __future__ import annotations

from collections import Counter, deque

counters: Counter[str] = Counter()
# What rendering events of each kind cost: kind -> Counter(renders=..., queries=...), summed
# over languages (one render per language present per event).
event_costs: dict[str, Counter[str]] = {}


class Samples(deque):
    """The latest samples, and how many were ever added (live/metrics.py tells the new ones by it)."""

    added = 0

    def append(self, value: float) -> None:
        super().append(value)
        self.added += 1


# Recent fan-out times in milliseconds (event received by the hub -> last local socket written).
fanout_ms: Samples = Samples(maxlen=500)


def snapshot() -> dict[str, object]:
    times = sorted(fanout_ms)
    p = lambda q: round(times[min(len(times) - 1, int(q * len(times)))], 2) if times else None  # noqa: E731
    return {**counters, "fanout_p50_ms": p(0.5), "fanout_p99_ms": p(0.99), "fanout_samples": len(times)}


def reset() -> None:
    counters.clear()
    event_costs.clear()
    fanout_ms.clear()
    fanout_ms.added = 0
