"""manage.py backup / restore: the data and the media files come back as they were, on the
database the suite runs on (SQLite's online backup API; pg_dump/pg_restore on PostgreSQL)."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from backups.archive import read_manifest
from tasks import actions
from tasks.models import Task

pytestmark = pytest.mark.django_db(transaction=True)


def media_files(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "chat" / "2026" / "12").mkdir(parents=True)
    return settings.MEDIA_ROOT


def test_a_restore_brings_back_the_data_and_the_media_of_the_backup(
    team: Any, alice: Any, media: Path, tmp_path: Path
) -> None:
    (media / "chat" / "2026" / "12" / "plan.txt").write_text("the plan, version 1")
    actions.task_create(board=team, by=alice, title="Before the backup")
    out = io.StringIO()
    call_command("backup", dir=str(tmp_path / "archives"), stdout=out)
    archive = Path(out.getvalue().strip())
    # afterwards: a task deleted, another added, a file changed and one added
    actions.task_delete(task=Task.objects.get(title="Before the backup"), by=alice)
    actions.task_create(board=team, by=alice, title="After the backup")
    (media / "chat" / "2026" / "12" / "plan.txt").write_text("the plan, version 2")
    (media / "chat" / "2026" / "12" / "later.txt").write_text("added later")

    said = io.StringIO()
    call_command("restore", str(archive), yes=True, stdout=said)

    assert list(Task.objects.values_list("title", flat=True)) == ["Before the backup"]
    assert media_files(media) == {"chat/2026/12/plan.txt": "the plan, version 1"}
    assert "(1 media files)" in said.getvalue()
    manifest = read_manifest(archive)
    assert manifest["media_files"] == 1 and "tasks" in manifest["migrations"]
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
    assert {"manifest.json", "media/chat/2026/12/plan.txt"} <= names
    assert ({"database.sqlite3"} <= names) != ({"database.pgdump"} <= names)


def test_a_file_that_is_not_a_backup_is_refused_and_nothing_changes(
    team: Any, alice: Any, media: Path, tmp_path: Path
) -> None:
    actions.task_create(board=team, by=alice, title="Stays")
    (media / "keep.txt").write_text("kept")
    bogus = tmp_path / "bogus.tar.gz"
    bogus.write_bytes(b"not an archive")

    with pytest.raises(CommandError, match="is not a Taskboard backup"):
        call_command("restore", str(bogus), yes=True)

    assert list(Task.objects.values_list("title", flat=True)) == ["Stays"]
    assert media_files(media) == {"keep.txt": "kept"}


def test_an_archive_of_another_database_engine_is_refused(team: Any, media: Path, tmp_path: Path) -> None:
    out = io.StringIO()
    call_command("backup", dir=str(tmp_path), stdout=out)
    archive = Path(out.getvalue().strip())
    other = tmp_path / "other.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(other, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member)
            if member.name == "manifest.json":
                text = data.read().replace(b'"sqlite"', b'"x"').replace(b'"postgresql"', b'"x"')
                member.size = len(text)
                data = io.BytesIO(text)
            target.addfile(member, data)

    with pytest.raises(CommandError, match="holds a x database"):
        call_command("restore", str(other), yes=True)
