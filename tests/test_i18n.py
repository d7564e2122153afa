"""English and Uzbek: the whole interface translated, the choice remembered, and every live
push rendered in its recipient's language, once per language (not once per socket)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import polib
import pytest
from channels.db import database_sync_to_async
from django.test import Client

from live import stats
from people.models import Profile
from tasks import actions
from tests.conftest import presence_settled
from tests.frames import by_id, next_frame

db = database_sync_to_async
PO = Path(__file__).resolve().parents[1] / "locale" / "uz" / "LC_MESSAGES" / "django.po"


def test_every_message_has_its_uzbek_and_the_compiled_catalogue_is_current() -> None:
    po = polib.pofile(str(PO))
    untranslated = [entry.msgid for entry in po.untranslated_entries() + po.fuzzy_entries()]
    assert untranslated == []
    compiled = {(entry.msgctxt, entry.msgid): entry for entry in polib.mofile(str(PO.with_suffix(".mo")))}
    for entry in po.translated_entries():
        in_mo = compiled.get((entry.msgctxt, entry.msgid))
        assert in_mo is not None, f"not compiled: {entry.msgid!r} (run python locale/uz_translations.py)"
        assert (in_mo.msgstr, in_mo.msgstr_plural) == (entry.msgstr, entry.msgstr_plural), entry.msgid


@pytest.mark.django_db
def test_choosing_a_language_is_remembered_on_this_browser_and_the_next(team: Any, alice: Any) -> None:
    laptop = Client()
    laptop.force_login(alice)
    assert "Your boards" in laptop.get("/").content.decode()

    response = laptop.post("/language/", {"language": "uz", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert response.cookies["django_language"].value == "uz"
    assert response.cookies["django_language"]["max-age"] == 365 * 24 * 3600
    page = laptop.get("/").content.decode()
    assert "Doskalaringiz" in page and '<html lang="uz"' in page
    assert Profile.objects.get(user=alice).language == "uz"

    phone = Client()  # another browser: no cookie yet, the stored choice comes back
    phone.force_login(alice)
    first = phone.get("/")
    assert "Doskalaringiz" in first.content.decode()
    assert first.cookies["django_language"].value == "uz"


@pytest.mark.django_db
def test_a_language_that_is_not_offered_changes_nothing(alice: Any) -> None:
    client = Client()
    client.force_login(alice)
    response = client.post("/language/", {"language": "xx", "next": "/"})
    assert "django_language" not in response.cookies
    assert not Profile.objects.filter(user=alice).exists()
    assert client.get("/language/").status_code == 405


async def open_board(connect: Any, board: Any, user: Any, language: str) -> Any:
    socket = await connect(
        f"/ws/boards/{board.pk}/", user, headers=[(b"cookie", f"django_language={language}".encode())]
    )
    snapshot = await next_frame(socket, 3)
    return socket, snapshot


@pytest.mark.django_db(transaction=True)
async def test_each_socket_gets_the_event_in_its_language_rendered_once_per_language(
    connect: Any, team: Any, alice: Any, bob: Any, manager: Any, make_user: Any
) -> None:
    readers = [bob, manager, *[await db(make_user)(f"reader{i}") for i in range(4)]]
    # five English readers and one Uzbek: rendering per socket would cost 6/5 of the English
    # readers alone below, rendering per language costs exactly twice
    english = [await open_board(connect, team, user, "en") for user in readers[:5]]
    uzbek = [await open_board(connect, team, user, "uz") for user in readers[5:]]
    assert by_id(english[0][1])["live-status"].text.startswith("Live")
    assert by_id(uzbek[0][1])["live-status"].text.startswith("Jonli")

    await presence_settled(f"board.{team.pk}", {user.pk for user in readers})
    stats.reset()
    await db(actions.task_create)(board=team, by=alice, title="Ship the release")
    english_frames = [await next_frame(socket, 5) for socket, _ in english]
    uzbek_frames = [await next_frame(socket, 5) for socket, _ in uzbek]
    two_languages = stats.event_costs["task.changed"]["renders"]

    for frame in english_frames:
        assert "Alice created ‘Ship the release’" in by_id(frame)[f"board-{team.pk}-activity"].text
    for frame in uzbek_frames:
        assert "Alice ‘Ship the release’ vazifasini yaratdi" in by_id(frame)[f"board-{team.pk}-activity"].text

    for socket, _ in uzbek:  # the same event with English readers only: half the renders
        await socket.disconnect()
    stats.reset()
    await db(actions.task_create)(board=team, by=alice, title="Book the venue")
    for socket, _ in english:
        await next_frame(socket, 5)
    one_language = stats.event_costs["task.changed"]["renders"]
    assert one_language > 0
    assert two_languages == 2 * one_language


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="xgettext (Debian's gettext) is not installed")
def test_the_catalogue_holds_every_message_of_the_code_and_templates(tmp_path: Path) -> None:
    """makemessages, run on a copy of the project, finds no message the .po lacks: no new
    string was left in English."""
    root = PO.parents[3]
    copy = tmp_path / "project"
    shutil.copytree(
        root,
        copy,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "media", "node_modules", "artifacts", "*.sqlite3*", "__pycache__"
        ),
    )
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "uz", "--ignore=tests", "--ignore=docs", "-v0"],
        cwd=copy,
        check=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "dashboard.settings"},
    )

    found = {
        e.msgid
        for e in polib.pofile(str(copy / "locale" / "uz" / "LC_MESSAGES" / "django.po"))
        if not e.obsolete
    }
    known = {e.msgid for e in polib.pofile(str(PO)) if not e.obsolete}
    assert sorted(found - known) == [], (
        "run manage.py makemessages -l uz, then python locale/uz_translations.py"
    )
