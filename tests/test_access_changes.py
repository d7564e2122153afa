"""Access that changes while pages are open (live/access.py): removed from a board, demoted,
a board made restricted or deleted, taken out of a private room. The open pages authorize
again at once: refused, they end with 4403 and receive nothing more; allowed, they carry on
with their new audience. Changes are made as the admin or a shell would: plain ORM writes."""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async

from chat import actions as chat_actions
from chat.models import Room
from live.protocol import CloseCode
from tasks import actions
from tasks.models import Board, Membership, Role
from tests.frames import by_id, next_frame, quiet

pytestmark = pytest.mark.django_db(transaction=True)

db = database_sync_to_async


def saved(instance: Any, **changes: Any) -> None:
    """Change and save ``instance`` as the admin does (its signals fire)."""
    for name, value in changes.items():
        setattr(instance, name, value)
    instance.save()


async def opened(connect: Any, path: str, user: Any) -> Any:
    socket = await connect(path, user)
    socket.snapshot = by_id(await next_frame(socket, 3))
    assert socket.snapshot["live-status"].attrs["data-state"] == "live"
    return socket


async def ends_forbidden(socket: Any) -> None:
    """The page says "No access to live updates", then the socket closes with 4403."""
    frames = []
    while True:
        output = await socket.receive_output(timeout=3)
        if output["type"] == "websocket.close":
            break
        frames.append(output["text"])
    assert output["code"] == CloseCode.FORBIDDEN
    assert by_id(frames[-1])["live-status"].attrs["data-state"] == "forbidden"


async def test_removed_from_a_restricted_board_the_pages_stop_at_once(
    connect: Any, private: Board, alice: Any, bob: Any
) -> None:
    await db(Membership.objects.create)(board=private, user=bob, role=Role.MEMBER)
    alices = await opened(connect, f"/ws/boards/{private.pk}/", alice)
    bobs_board = await opened(connect, f"/ws/boards/{private.pk}/", bob)
    bobs_home = await opened(connect, "/ws/tasks/", bob)
    assert f"board-{private.pk}-summary" in bobs_home.snapshot

    await db(Membership.objects.filter(board=private, user=bob).delete)()

    await ends_forbidden(bobs_board)
    home = by_id(await next_frame(bobs_home, 3))  # the home page carries on without the board
    assert f"board-{private.pk}-summary" not in home
    assert home["live-status"].attrs["data-state"] == "live"

    await db(actions.task_create)(board=private, by=alice, title="After bob left")
    assert "After bob left" in await next_frame(alices, 3)
    assert await quiet(bobs_home, 0.4)


async def test_a_board_made_restricted_shuts_out_who_is_not_a_member(
    connect: Any, team: Board, alice: Any, bob: Any
) -> None:
    await db(Membership.objects.create)(board=team, user=alice, role=Role.MEMBER)
    alices = await opened(connect, f"/ws/boards/{team.pk}/", alice)
    bobs = await opened(connect, f"/ws/boards/{team.pk}/", bob)
    bobs_room = await opened(connect, f"/ws/chat/{(await db(Room.objects.get)(board=team)).slug}/", bob)

    await db(saved)(team, is_restricted=True)

    await ends_forbidden(bobs)
    await ends_forbidden(bobs_room)  # the board's room is open to exactly who sees the board
    assert by_id(await next_frame(alices, 3))["live-status"].attrs["data-state"] == "live"  # re-sent
    await db(actions.task_create)(board=team, by=alice, title="Members only now")
    assert "Members only now" in await next_frame(alices, 3)


async def test_a_demoted_manager_loses_the_delete_buttons_and_a_promoted_member_gets_them(
    connect: Any, team: Board, alice: Any, manager: Any
) -> None:
    task = await db(actions.task_create)(board=team, by=alice, title="Alices task")
    boss = await opened(connect, f"/ws/boards/{team.pk}/", manager)
    open_list = f"board-{team.pk}-open"
    assert f"task-{task.pk}" in boss.snapshot[open_list].children_ids
    assert "Delete “Alices task”" in boss.snapshot[open_list].html

    def set_role(role: str) -> None:  # as the admin does
        membership = Membership.objects.get(board=team, user=manager)
        membership.role = role
        membership.save()

    await db(set_role)(Role.MEMBER)

    demoted = by_id(await next_frame(boss, 3))
    assert f"task-{task.pk}" in demoted[open_list].children_ids
    assert "Delete “Alices task”" not in demoted[open_list].html

    await db(set_role)(Role.MANAGER)
    assert "Delete “Alices task”" in by_id(await next_frame(boss, 3))[open_list].html


async def test_following_a_boards_events_does_not_re_send_the_page(
    connect: Any, team: Board, manager: Any
) -> None:
    boss = await opened(connect, f"/ws/boards/{team.pk}/", manager)

    await db(actions.board_follow)(board=team, by=manager, follow=False)

    assert await quiet(boss, 0.4)


async def test_taken_out_of_a_private_room_the_room_stops(
    connect: Any, team: Board, alice: Any, bob: Any
) -> None:
    secret = await db(chat_actions.room_create)(by=alice, name="Secret", is_private=True, members=[bob])
    alices = await opened(connect, f"/ws/chat/{secret.slug}/", alice)
    bobs = await opened(connect, f"/ws/chat/{secret.slug}/", bob)

    await db(secret.members.remove)(bob)

    await ends_forbidden(bobs)
    await db(chat_actions.message_send)(room=secret, by=alice, body="Bob can't read this")
    assert "Bob can&#x27;t read this" in await next_frame(alices, 3)


async def test_a_deleted_board_ends_its_pages(connect: Any, alice: Any) -> None:
    board = await db(Board.objects.create)(name="Short-lived", slug="short")
    socket = await opened(connect, f"/ws/boards/{board.pk}/", alice)

    await db(board.delete)()

    await ends_forbidden(socket)


async def test_a_superuser_made_ordinary_loses_the_restricted_boards(
    connect: Any, private: Board, make_user: Any
) -> None:
    root = await db(make_user)("root", is_superuser=True)
    socket = await opened(connect, f"/ws/boards/{private.pk}/", root)

    await db(saved)(root, is_superuser=False)

    await ends_forbidden(socket)
