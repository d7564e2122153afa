"""Each topic's events back in change-number order, in one server process.

Writes to a board take its change numbers in commit order (``Board.seq``), but they publish
from their own threads and processes after committing, so two close writes can reach the
hub the other way round. Inserted the other way round, their cards and activity lines would
stand in the wrong order until the next snapshot. So the hub holds an event whose
predecessor has not arrived yet, for at most ``HOLD`` seconds, and lets it through as soon
as the predecessor comes. A predecessor that comes later than that is *late*: the pages
already show what followed it, so they get a fresh snapshot instead. One that never comes
(the layer dropped it) is *lost* after ``GAP_PATIENCE`` and also ends in a snapshot.

Events in order (nearly all of them) pass straight through, with no delay.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

HOLD = 0.5  # seconds an event waits for an earlier one of its topic
GAP_PATIENCE = 2.0  # seconds after which an event that never came counts as lost
SEEN = 1000  # change numbers remembered per topic, to recognise a duplicate


@dataclass
class Arrival:
    ready: list[dict[str, Any]]  # events to show now, in order
    late: bool = False  # an event came after those it precedes: re-sync the topic's pages
    duplicate: bool = False


@dataclass
class TopicOrder:
    last: int | None = None  # the newest change number let through
    held: dict[int, tuple[dict[str, Any], float]] = field(default_factory=dict)  # seq -> (event, since)
    missing: dict[int, float] = field(default_factory=dict)  # seq skipped over -> since when
    seen: deque[int] = field(default_factory=lambda: deque(maxlen=SEEN))

    def arrive(self, seq: int, message: dict[str, Any], now: float) -> Arrival:
        if seq in self.seen or seq in self.held:
            return Arrival([], duplicate=True)
        if self.last is None or seq == self.last + 1:
            return Arrival([self._through(seq, message), *self._release_run()])
        if seq > self.last + 1:
            self.held[seq] = (message, now)
            return Arrival([])
        if seq in self.missing:  # given up on, and what followed it has been shown
            del self.missing[seq]
            self.seen.append(seq)
            return Arrival([], late=True)
        # older than anything this process waited for (it started watching the topic after
        # this change): the pages' snapshots are newer, and their filter skips it
        self.seen.append(seq)
        return Arrival([message])

    def start_after(self, seq: int, now: float) -> None:
        """A page was read at ``seq``: expect ``seq + 1`` next, if no event has come yet. If
        later ones went through before that page told us where it stands (an event with no
        baseline passes straight through), the numbers between that never came are missing:
        one that comes now is late (the page shows what followed it), not shown in place."""
        if self.last is None:
            self.last = seq
            return
        for gap in range(max(seq + 1, self.last - SEEN), self.last):
            if gap not in self.seen and gap not in self.held:
                self.missing.setdefault(gap, now)

    def resynced(self, seq: int) -> None:
        """Every page on the topic was just re-sent as of at least ``seq``: nothing up to it
        is waited for any more (a held event up to it is shown by the snapshots already)."""
        self.last = seq if self.last is None else max(self.last, seq)
        self.held = {s: held for s, held in self.held.items() if s > seq}
        self.missing = {s: since for s, since in self.missing.items() if s > seq}

    def overdue(self, now: float) -> list[dict[str, Any]]:
        """Held events that waited ``HOLD``, in order: what they wait for is skipped (noted as
        missing)."""
        ready: list[dict[str, Any]] = []
        while self.held and now - min(since for _, since in self.held.values()) >= HOLD:
            first = min(self.held)
            for gap in range(self.last + 1 if self.last is not None else first, first):
                self.missing.setdefault(gap, now)
            message, _since = self.held.pop(first)
            ready += [self._through(first, message), *self._release_run()]
        return ready

    def lost(self, now: float) -> int:
        """Forget the skipped numbers that never came within ``GAP_PATIENCE``; how many."""
        gone = [seq for seq, since in self.missing.items() if now - since > GAP_PATIENCE]
        for seq in gone:
            del self.missing[seq]
        return len(gone)

    def next_deadline(self) -> float | None:
        """When the oldest held event stops waiting."""
        return min(since for _, since in self.held.values()) + HOLD if self.held else None

    def _through(self, seq: int, message: dict[str, Any]) -> dict[str, Any]:
        self.last = seq if self.last is None else max(self.last, seq)
        self.seen.append(seq)
        return message

    def _release_run(self) -> list[dict[str, Any]]:
        run = []
        while self.last is not None and self.last + 1 in self.held:
            message, _since = self.held.pop(self.last + 1)
            run.append(self._through(self.last + 1, message))
        return run
