"""Rules the whole codebase keeps: lint, import contracts, migrations, no first-party
JavaScript, nothing from a CDN, and a production mode that passes Django's deployment checks."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCE_DIRS = ["dashboard", "live", "tasks", "templates", "theme/static_src", "static", "scripts", "tests"]


def project_files(*suffixes: str) -> list[Path]:
    files = []
    for folder in SOURCE_DIRS:
        files += [p for p in (ROOT / folder).rglob("*") if p.is_file() and p.suffix in suffixes]
    return files


def run(
    *args: str, env: dict[str, str] | None = None, timeout: int = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=ROOT, capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=timeout
    )


def test_ruff_lint_and_format() -> None:
    ruff = Path(sys.executable).parent / "ruff"
    lint, fmt = run(str(ruff), "check", "."), run(str(ruff), "format", "--check", ".")
    assert lint.returncode == 0, lint.stdout
    assert fmt.returncode == 0, fmt.stdout


def test_import_contracts() -> None:
    """pyproject.toml's [tool.importlinter]: the engine imports no app, tasks import neither
    notifications nor chat, the apps' layers, no cycle inside the engine."""
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = run(str(lint_imports), "--no-cache")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_import_contracts_catch_an_app_imported_by_the_engine(tmp_path: Path) -> None:
    """The contracts are not vacuous: a copy of the project whose engine imports an app fails."""
    import shutil

    copy = tmp_path / "project"
    for name in ["live", "tasks", "notifications", "chat", "people", "backups", "dashboard"]:
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__", "migrations"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    (copy / "live" / "caps.py").write_text(
        (copy / "live" / "caps.py").read_text() + "\nimport tasks.models\n"
    )
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint_imports), "--no-cache"],
        cwd=copy,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(copy)},
        timeout=120,
    )
    assert result.returncode != 0
    assert "The engine (live) imports no app BROKEN" in result.stdout
    assert "live.caps -> tasks.models" in result.stdout


def test_the_engine_type_checks() -> None:
    """mypy with django-stubs over live/ (pyproject.toml's [tool.mypy]; warn_unused_ignores:
    every ``type: ignore`` there is still needed). The modules it does not check yet are named
    in that configuration."""
    result = run(sys.executable, "-m", "mypy", timeout=600)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def test_no_missing_migrations() -> None:
    result = run(sys.executable, "manage.py", "makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_openapi_schema_is_valid_and_complete() -> None:
    result = run(
        sys.executable, "manage.py", "spectacular", "--validate", "--fail-on-warn", "--file", os.devnull
    )
    assert result.returncode == 0, result.stderr[-3000:]


def test_no_first_party_javascript_and_no_inline_scripts() -> None:
    assert project_files(".js", ".mjs", ".ts") == []
    for template in project_files(".html"):
        assert "<script" not in template.read_text(), template


def test_nothing_comes_from_a_cdn() -> None:
    cdn = re.compile(r"unpkg\.com|jsdelivr|cdnjs|googleapis|cdn\.tailwindcss")
    for path in project_files(".html", ".py", ".css"):
        if path.name == Path(__file__).name:
            continue
        assert not cdn.search(path.read_text()), path


@pytest.mark.parametrize("with_https", [False, True])
def test_production_settings_pass_the_deploy_check(with_https: bool) -> None:
    env = {
        "DEBUG": "0",
        "SECRET_KEY": "x" * 60 + "-production-test-key",
        "ALLOWED_HOSTS": "board.example.com",
    }
    if with_https:
        env |= {
            "SECURE_SSL_REDIRECT": "1",
            "SECURE_COOKIES": "1",
            "SECURE_HSTS_SECONDS": "31536000",
            "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
            "SECURE_HSTS_PRELOAD": "1",
        }

    result = run(sys.executable, "manage.py", "check", "--deploy", env=env)

    warnings = set(re.findall(r"\(security\.(W\d+)\)", result.stdout + result.stderr))
    https_only = {"W004", "W008", "W012", "W016"}  # HSTS, SSL redirect, secure cookies: per deployment
    assert warnings <= (set() if with_https else https_only), result.stdout + result.stderr
    assert result.returncode == 0 or warnings, result.stderr


def test_production_mode_refuses_to_start_without_a_secret_key() -> None:
    result = run(sys.executable, "manage.py", "check", env={"DEBUG": "0", "SECRET_KEY": ""})
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr
