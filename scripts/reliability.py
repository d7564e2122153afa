"""The fault tests at full size, and their figures written to docs/reliability.md.

The suite runs every fault of tests/test_faults*.py at a size that fits CI. This runs the same
tests with FAULTS_SCALE=full (tests/faultkit.py: ``sized()``): the server killed under 1000
open boards, the random-disconnect run with thousands of events, the slow reader for longer,
16 SQLite writers at 500 writes each. Each test prints its figures (``[title]`` then
``name: value`` lines); this collects them and replaces the "Full-size runs" section of
docs/reliability.md with them, the machine and the date.

    .venv/bin/python scripts/reliability.py                  # every fault test, full size
    .venv/bin/python scripts/reliability.py --scale ci       # the suite's sizes, figures only
    .venv/bin/python scripts/reliability.py -k killed        # a pytest -k selection

Needs what the tests need (redis-server for the Redis faults). Loopback only; every test is
bounded in time. Not part of the suite: figures to read, on a machine left alone meanwhile.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import datetime
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "reliability.md"
TESTS = ["tests/test_faults.py", "tests/test_faults_sqlite.py", "tests/test_faults_random.py"]
BLOCK = re.compile(r"^\[(?P<title>[^\]]+)\]\n(?P<body>(?:  .*\n)+)", re.MULTILINE)


def markers(scale: str) -> tuple[str, str]:
    return (
        f"<!-- {scale}-size runs: written by scripts/reliability.py -->",
        f"<!-- end of {scale}-size runs -->",
    )


def run(selection: str | None, scale: str) -> tuple[str, int, float]:
    command = [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", *TESTS]
    if selection:
        command += ["-k", selection]
    env = {**os.environ, "FAULTS_SCALE": scale, "REQUIRE_SERVICES": "1"}
    env.setdefault("SQLITE_TEST_NAME", "/tmp/taskboard-reliability.sqlite3")
    started = time.monotonic()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=3 * 3600)
    return done.stdout + done.stderr, done.returncode, time.monotonic() - started


def split_row(row: str) -> tuple[str, str]:
    """``name: value``, where the name may hold ": " too: the first split whose value reads as
    a Python literal, else the first split."""
    starts = [i for i in range(len(row)) if row.startswith(": ", i)]
    for at in starts:
        with contextlib.suppress(ValueError, SyntaxError):
            ast.literal_eval(row[at + 2 :])
            return row[:at], row[at + 2 :]
    return (row[: starts[0]], row[starts[0] + 2 :]) if starts else (row, "")


def section(output: str, returncode: int, seconds: float, scale: str) -> str:
    summary = [line for line in output.splitlines() if re.search(r"\d+ (passed|failed)", line)]
    start, end = markers(scale)
    lines = [
        start,
        "",
        f"Taken {datetime.date.today()} on {platform.node()} ({os.cpu_count()} cores, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}), "
        f"FAULTS_SCALE={scale}, {seconds / 60:.0f} min in all: {summary[-1] if summary else 'no summary'}"
        + ("" if returncode == 0 else " **(a test failed: see its figures)**"),
        "",
    ]
    for match in BLOCK.finditer(output):
        lines += [f"#### {match['title']}", "", "| figure | value |", "|---|---|"]
        for row in match["body"].splitlines():
            name, value = split_row(row.strip())
            lines.append(f"| {name} | `{value}` |")
        lines.append("")
    return "\n".join([*lines, end])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-k", dest="selection", help="a pytest -k expression")
    parser.add_argument("--scale", choices=["full", "ci"], default="full")
    args = parser.parse_args()
    output, returncode, seconds = run(args.selection, args.scale)
    new = section(output, returncode, seconds, args.scale)
    start, end = markers(args.scale)
    text = DOC.read_text()
    if start in text and end in text:
        text = text[: text.index(start)] + new + text[text.index(end) + len(end) :]
    else:
        text += "\n" + new + "\n"
    DOC.write_text(text)
    print(new)
    return returncode


if __name__ == "__main__":
    raise SystemExit(main())
