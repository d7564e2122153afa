"""An invitation to a private room reaches the invitee's rooms page live (issue 13, item 9)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from chat.models import Room, RoomMember
from tests.browser.conftest import open_as, shot

pytestmark = pytest.mark.browser

LIVE = "#live-status[data-state=live] .live-now"


def test_an_invitation_shows_in_the_invitees_room_list_without_a_reload(
    browser: Any, start_server: Any, team: Any, alice: Any, bob: Any
) -> None:
    room = Room.objects.create(name="Secret plans", slug="secret-plans", is_private=True, created_by=alice)
    RoomMember.objects.create(room=room, user=alice)
    server = start_server()
    invitee = open_as(browser, server, bob, "/chat/", width=390, height=844)
    inviter = open_as(browser, server, alice, f"/chat/{room.slug}/")
    for page in (invitee, inviter):
        expect(page.locator(LIVE)).to_be_visible(timeout=10_000)
    rooms = invitee.locator("#rooms-nav")
    expect(rooms).not_to_contain_text("Secret plans")
    invitee.evaluate("window.notReloaded = true")

    inviter.select_option("#id_user", label="Bob")
    inviter.get_by_role("button", name="Invite").click()

    expect(rooms.get_by_role("link", name="Secret plans")).to_be_visible()
    assert invitee.evaluate("window.notReloaded") is True
    shot(invitee, "phone-390-rooms-invited")
    assert invitee.errors == [] and inviter.errors == []
