"""The events tasks publish, and to which topic. The only module of this app that calls
``live.publish``; the renderers in tasks/live.py turn each event kind into fragments.

| event          | topic       | sent when                                      |
|----------------|-------------|------------------------------------------------|
| task.changed   | board.<id>  | a task was created, edited, completed, reopened |
| task.deleted   | board.<id>  | a task was deleted, or moved to another board   |
| topic.reset    | board.<id>  | a bulk update changed many tasks at once        |
| access.changed | board.<id>  | the board was edited (made restricted) or deleted |
| access.changed | user.<id>   | the user's membership or role on a board changed |

Every event carries ``seq``, the board's change number of the change; task events carry
``was``, the list the task was in (its card moves from there).
"""

from __future__ import annotations

from live.access import access_changed
from live.publish import publish
from live.registry import RESET
from live.sessions import user_topic


def board_topic(board_id: int) -> str:
    return f"board.{board_id}"


def task_changed(
    *, board_id: int, task_id: int, seq: int, verb: str, activity_id: int | None, was: str | None
) -> None:
    """``was``: the list the task was in on this board's pages ("open", "done"), None if new here."""
    publish(
        board_topic(board_id),
        {
            "kind": "task.changed",
            "board": board_id,
            "task": task_id,
            "seq": seq,
            "verb": verb,
            "activity": activity_id,
            "was": was,
        },
    )


def task_deleted(*, board_id: int, task_id: int, seq: int, activity_id: int | None, was: str) -> None:
    publish(
        board_topic(board_id),
        {
            "kind": "task.deleted",
            "board": board_id,
            "task": task_id,
            "seq": seq,
            "activity": activity_id,
            "was": was,
        },
    )


def board_reset(*, board_id: int, seq: int) -> None:
    publish(board_topic(board_id), {"kind": RESET, "board": board_id, "seq": seq})


def board_access_changed(board_id: int) -> None:
    """Everyone watching the board checks again whether they may (live/access.py)."""
    access_changed(board_topic(board_id))


def member_access_changed(user_id: int) -> None:
    """Every page of the user checks again what they may see, and as whom."""
    access_changed(user_topic(user_id))
