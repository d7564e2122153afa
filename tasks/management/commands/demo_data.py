"""Create demo users, boards and tasks, and print how to sign in.

Runs from the README's run command on an empty database; on a database with users it
changes nothing (unless --force).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from tasks import actions
from tasks.models import Board, Membership, Role

PASSWORD = "demo-pass-2026"
PEOPLE = [
    # username, first name, last name, superuser
    ("dilnoza", "Dilnoza", "Karimova", True),
    ("aziz", "Aziz", "Rahimov", False),
    ("maria", "Maria", "Lopez", False),
    ("sam", "Sam", "Taylor", False),
]


class Command(BaseCommand):
    help = "Create demo users, boards and tasks (only on a database without users)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--force", action="store_true", help="Add the demo data even if users exist.")

    def handle(self, *args: Any, force: bool = False, **options: Any) -> None:
        User = get_user_model()
        if User.objects.exists() and not force:
            self.stdout.write("Users exist already; no demo data added.")
            return
        with transaction.atomic():
            users = {}
            for username, first, last, superuser in PEOPLE:
                user, _ = User.objects.get_or_create(
                    username=username,
                    defaults={
                        "first_name": first,
                        "last_name": last,
                        "is_staff": superuser,
                        "is_superuser": superuser,
                        "email": f"{username}@example.com",
                    },
                )
                user.set_password(PASSWORD)
                user.save()
                users[username] = user
            team = Board.objects.filter(is_default=True).first() or Board.objects.create(
                name="Team board", slug="team", is_default=True
            )
            Membership.objects.update_or_create(
                board=team, user=users["aziz"], defaults={"role": Role.MANAGER}
            )
            leads = Board.objects.create(name="Leadership", slug="leadership", is_restricted=True)
            for name in ("dilnoza", "aziz"):
                Membership.objects.create(board=leads, user=users[name], role=Role.MANAGER)
            today = timezone.localdate()
            plan = [
                (team, "aziz", "Ship the release", "Tag, build and publish 2.4.", "dilnoza", today),
                (team, "maria", "Write the changelog", "", "maria", today + datetime.timedelta(days=2)),
                (
                    team,
                    "sam",
                    "Fix the login redirect",
                    "Users land on /admin after login.",
                    "sam",
                    today - datetime.timedelta(days=1),
                ),
                (team, "dilnoza", "Plan the team offsite", "", None, None),
                (team, "maria", "Review Aziz's pull request", "", "maria", None),
                (leads, "dilnoza", "Budget for Q1", "", "aziz", today + datetime.timedelta(days=7)),
            ]
            for board, by, title, description, assignee, due in plan:
                task = actions.task_create(
                    board=board,
                    by=users[by],
                    title=title,
                    description=description,
                    assignee=users[assignee] if assignee else None,
                    due_date=due,
                )
                if title == "Write the changelog":
                    actions.task_complete(task=task, by=users["maria"])
        self.stdout.write(self.style.SUCCESS("Demo data created. Sign in as any of:"))
        for username, *_rest, superuser in PEOPLE:
            extra = (
                " (admin, manager)" if superuser else (" (team board manager)" if username == "aziz" else "")
            )
            self.stdout.write(f"  {username} / {PASSWORD}{extra}")
