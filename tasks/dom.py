"""DOM ids: the contract between the fragments pushed live and the page. Spelled only here;
templates use the ``dom_id`` tag from ``board_tags``."""

from __future__ import annotations

ACTIVITY_FEED = "activity-feed"  # the cross-board feed on the home and activity pages


def task(task_id: int) -> str:
    return f"task-{task_id}"


def task_list(board_id: int, which: str) -> str:
    """``which`` is "open" or "done"."""
    return f"board-{board_id}-{which}"


def task_count(board_id: int, which: str) -> str:
    return f"board-{board_id}-{which}-count"


def board_activity(board_id: int) -> str:
    return f"board-{board_id}-activity"


def board_summary(board_id: int) -> str:
    return f"board-{board_id}-summary"


def activity(activity_id: int) -> str:
    return f"activity-{activity_id}"
