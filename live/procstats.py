"""What a server's processes cost, read from /proc (Linux): for the load tester and benchmark.

A multi-worker server is one parent and its workers, so every figure sums over the process
and its descendants.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    todo += [int(child) for child in children.read().split()]
        except OSError:
            continue
    return found


def _summed(pid: int | None, read: Callable[[int], float]) -> float | None:
    """``read(process)`` summed over the server's processes (those gone meanwhile skipped)."""
    if pid is None:
        return None
    total = 0.0
    for process in process_tree(pid):
        try:
            total += read(process)
        except (OSError, StopIteration):
            continue
    return total


def _rss(process: int) -> float:
    with open(f"/proc/{process}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


def _cpu(process: int) -> float:
    with open(f"/proc/{process}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kb(pid: int | None) -> int | None:
    """Resident memory of the server's processes, in KiB."""
    total = _summed(pid, _rss)
    return int(total) if total else None


def cpu_seconds(pid: int | None) -> float | None:
    """CPU time (user + system) the server's processes have used."""
    return _summed(pid, _cpu)


async def idle_cpu(pid: int | None, seconds: float) -> float | None:
    """CPU seconds per second the server spends with its sockets open and no events."""
    before = cpu_seconds(pid)
    if before is None or seconds <= 0:
        return None
    await asyncio.sleep(seconds)
    after = cpu_seconds(pid)
    return None if after is None else (after - before) / seconds
