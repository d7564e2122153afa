"""DOM ids and names the task pages' fragments share with the page. Templates use the
``dom_id`` tag from ``board_tags``; the declared regions spell theirs in their declaration
(tasks/regions.py)."""

from __future__ import annotations

ACTIVITY_FEED = "activity-feed"  # the cross-board feed on the home and activity pages


def task(task_id: int) -> str:
    return f"task-{task_id}"


def column(completed: bool) -> str:
    """The board list a task's card is in: "open" or "done" (``board-<id>-open``)."""
    return "done" if completed else "open"


def activity(activity_id: int) -> str:
    return f"activity-{activity_id}"
