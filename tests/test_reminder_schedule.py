"""The morning reminder without Celery beat (notifications/schedule.py): on the embedded
default each server process sends it itself, once a day after REMINDER_TIME."""

from __future__ import annotations

import asyncio
import datetime
import os
import subprocess
import sys
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from websockets.asyncio.client import connect

from notifications import schedule
from notifications.models import Notification
from tasks import actions
from tests.frames import by_id
from tests.servers import ROOT


@pytest.fixture
def fresh_day(monkeypatch: Any) -> None:
    monkeypatch.setattr(schedule, "_sent_on", None)


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def test_sent_once_a_day_once_its_time_has_come(
    fresh_day: None, team: Any, alice: Any, bob: Any, settings: Any
) -> None:
    settings.REMINDER_TIME = "08:30"
    today = timezone.localdate()
    actions.task_create(board=team, by=alice, title="Due now", assignee=bob, due_date=today)

    assert schedule.send_if_due(at(today, 8, 29)) is False  # not yet
    assert not Notification.objects.exists()
    assert schedule.send_if_due(at(today, 8, 30)) is True
    assert schedule.send_if_due(at(today, 17, 0)) is False  # once a day
    assert list(Notification.objects.filter(recipient=bob).values_list("kind", flat=True)) == ["due_today"]


def test_a_second_sender_sends_nothing(fresh_day: None, team: Any, alice: Any, bob: Any) -> None:
    """Another process, a restart, a cron job: one reminder per person per day all the same."""
    today = timezone.localdate()
    actions.task_create(board=team, by=alice, title="Due now", assignee=bob, due_date=today)

    assert schedule.send_if_due(at(today, 23, 0)) is True
    schedule._sent_on = None  # this process restarted
    assert schedule.send_if_due(at(today, 23, 1)) is True
    assert Notification.objects.filter(recipient=bob, kind="due_today").count() == 1


def test_a_reminder_time_that_is_not_hh_mm_is_refused_at_start() -> None:
    env = {**os.environ, "REMINDER_TIME": "8", "DJANGO_SETTINGS_MODULE": "dashboard.settings"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0 and "REMINDER_TIME must be HH:MM" in result.stderr


def test_the_embedded_server_sends_it_by_itself(start_server: Any, team: Any, alice: Any) -> None:
    """A daphne server on the embedded defaults, with a page of alice's open: after the time,
    her bell shows the reminder of her task due today without anyone running a job."""
    actions.task_create(board=team, by=alice, title="Ship it", assignee=alice, due_date=timezone.localdate())
    server = start_server(REMINDERS_IN_PROCESS="1", REMINDER_TIME="00:00")
    client = Client()
    client.force_login(alice)
    cookie = f"sessionid={client.cookies['sessionid'].value}"

    async def badge() -> str:
        url = server.url.replace("http", "ws") + f"/ws/boards/{team.pk}/"
        async with connect(url, additional_headers={"Cookie": cookie}, origin=server.url) as socket:
            deadline = asyncio.get_running_loop().time() + 15
            count = "0"
            while count == "0" and asyncio.get_running_loop().time() < deadline:
                frame = by_id(await asyncio.wait_for(socket.recv(), 15))
                if "notif-badge" in frame:
                    count = frame["notif-badge"].attrs["data-count"]
            return count

    assert asyncio.run(badge()) == "1"
    assert Notification.objects.get(recipient=alice).kind == "due_today"
