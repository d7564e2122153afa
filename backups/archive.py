"""Backups of the data and the media files, one archive each: ``manage.py backup`` and
``manage.py restore`` (README, Deploy).

An archive is a ``.tar.gz`` holding ``manifest.json`` (when, which database engine, the
latest migration of each app), the database (SQLite: a copy made with SQLite's online backup
API, consistent while the server writes; PostgreSQL: ``pg_dump`` in its custom format) and
the media folder. Restoring puts the database and the media back as they were in the archive:
SQLite through the same backup API into the live file, PostgreSQL with ``pg_restore --clean``;
the media folder is emptied and refilled.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder

FORMAT = 1
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"


class BackupError(Exception):
    """A backup or restore that cannot be done; nothing was changed."""


def _engine() -> str:
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine.endswith("sqlite3"):
        return "sqlite"
    if engine.endswith("postgresql"):
        return "postgresql"
    raise BackupError(f"no backup for the database engine {engine}")


def _pg_environment() -> tuple[list[str], dict[str, str]]:
    """libpq's options and environment for pg_dump / pg_restore from the Django settings."""
    db = settings.DATABASES["default"]
    options = ["--dbname", db["NAME"]]
    if db.get("HOST"):
        options += ["--host", db["HOST"]]
    if db.get("PORT"):
        options += ["--port", str(db["PORT"])]
    if db.get("USER"):
        options += ["--username", db["USER"]]
    env = {**os.environ, **({"PGPASSWORD": db["PASSWORD"]} if db.get("PASSWORD") else {})}
    return options, env


def _run(command: list[str], env: dict[str, str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (Debian: postgresql-client)")
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()}")


def _migrations() -> dict[str, str]:
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connections["default"]).applied_migrations():
        latest[app] = max(latest.get(app, ""), name)
    return dict(sorted(latest.items()))


def backup(directory: Path) -> Path:
    """Write an archive of the database and the media into ``directory``; returns its path."""
    engine = _engine()
    directory.mkdir(parents=True, exist_ok=True)
    created = datetime.now(UTC)
    target = directory / f"taskboard-{created:%Y%m%d-%H%M%S-%f}.tar.gz"
    media = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory() as work:
        if engine == "sqlite":
            dump = Path(work) / SQLITE_FILE
            source = sqlite3.connect(settings.DATABASES["default"]["NAME"])
            copy = sqlite3.connect(dump)
            try:
                source.backup(copy)  # a consistent snapshot, even while others write
            finally:
                copy.close()
                source.close()
        else:
            dump = Path(work) / PG_FILE
            options, env = _pg_environment()
            _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(dump), *options], env)
        files = sorted(p for p in media.rglob("*") if p.is_file()) if media.is_dir() else []
        manifest = {
            "format": FORMAT,
            "created": created.isoformat(),
            "engine": engine,
            "migrations": _migrations(),
            "media_files": len(files),
        }
        partial = target.with_suffix(".partial")
        with tarfile.open(partial, "w:gz") as tar:
            info = tarfile.TarInfo("manifest.json")
            data = json.dumps(manifest, indent=2).encode()
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
            tar.add(dump, arcname=dump.name)
            for path in files:
                tar.add(path, arcname=f"media/{path.relative_to(media)}")
        partial.rename(target)  # never a half-written archive under the final name
    return target


def read_manifest(archive: Path) -> dict[str, Any]:
    try:
        with tarfile.open(archive, "r:gz") as tar:
            member = tar.extractfile("manifest.json")
            if member is None:
                raise KeyError
            return json.load(member)
    except (OSError, KeyError, tarfile.TarError, ValueError) as exc:
        raise BackupError(f"{archive} is not a Taskboard backup: {exc}") from exc


def restore(archive: Path) -> dict[str, Any]:
    """Put the database and the media back as they are in ``archive``. Checks first that the
    archive is whole and for this database engine; returns its manifest."""
    manifest = read_manifest(archive)
    engine = _engine()
    if manifest.get("format") != FORMAT or manifest.get("engine") != engine:
        raise BackupError(f"{archive} holds a {manifest.get('engine')} database; this site runs on {engine}")
    with tempfile.TemporaryDirectory() as work, tarfile.open(archive, "r:gz") as tar:
        tar.extractall(work, filter="data")  # no absolute paths, links out or devices
        dump = Path(work) / (SQLITE_FILE if engine == "sqlite" else PG_FILE)
        if not dump.is_file():
            raise BackupError(f"{archive} has no database in it")
        connections.close_all()
        if engine == "sqlite":
            source = sqlite3.connect(dump)
            live = sqlite3.connect(settings.DATABASES["default"]["NAME"], timeout=20)
            try:
                source.backup(live)  # replaces every page of the live database, under its lock
            finally:
                live.close()
                source.close()
        else:
            options, env = _pg_environment()
            _run(
                [
                    "pg_restore",
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                    *options,
                    str(dump),
                ],
                env,
            )
        media = Path(settings.MEDIA_ROOT)
        media.mkdir(parents=True, exist_ok=True)
        for child in media.iterdir():
            shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
        saved = Path(work) / "media"
        if saved.is_dir():
            for child in saved.iterdir():
                shutil.move(str(child), media / child.name)
    return manifest
