from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from backups.archive import BackupError, read_manifest, restore


class Command(BaseCommand):
    help = (
        "Replace the database and the media files with those in a backup archive. "
        "Stop the servers and workers first."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("archive", help="a file written by `manage.py backup`")
        parser.add_argument("--yes", action="store_true", help="do it without asking")

    def handle(self, *args: Any, **options: Any) -> None:
        archive = Path(options["archive"])
        try:
            manifest = read_manifest(archive)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if not options["yes"]:
            answer = input(
                f"Replace this site's database and media with the backup of {manifest['created']}? [y/N] "
            )
            if answer.strip().lower() not in {"y", "yes"}:
                raise CommandError("Nothing restored.")
        try:
            restore(archive)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Restored the backup of {manifest['created']} ({manifest['media_files']} media files)."
        )
