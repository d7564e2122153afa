from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from backups.archive import BackupError, backup


class Command(BaseCommand):
    help = "Write an archive of the database and the media files (restore it with `manage.py restore`)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--dir", default=str(settings.BACKUP_DIR), help="where the archive goes (BACKUP_DIR)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            path = backup(Path(options["dir"]))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(str(path))
