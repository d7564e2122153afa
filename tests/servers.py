"""A real daphne server for tests: scripts/serve.sh (the README's flags) on the test database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.services import database_url

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, env: dict[str, str], port: int | None = None, script: str = "serve.sh") -> None:
        self.port = port or _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        full_env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "DEBUG": "1",
            "LIVE_LOG_LEVEL": "WARNING",
            # every test client comes from 127.0.0.1, at full size hundreds of one user's pages:
            # the socket caps (live/caps.py) are tested in-process at their defaults
            "LIVE_MAX_SOCKETS_PER_ADDRESS": "1000000",
            "LIVE_MAX_SOCKETS_PER_USER": "1000000",
            "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
            **env,
        }
        if "REDIS_URL" not in env:
            full_env.pop("REDIS_URL", None)
        self.log = open(ROOT / "tests" / "artifacts" / f"daphne-{self.port}.log", "w")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [str(ROOT / "scripts" / script), "127.0.0.1", str(self.port)],
            cwd=ROOT,
            env=full_env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"daphne did not start; see {self.log.name}")

    def log_text(self) -> str:
        """What the server has written so far (daphne's access log included)."""
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")

    def crash(self) -> None:
        """Kill the process (SIGKILL): no graceful close of anything, as in a crash."""
        self.process.kill()
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.log.closed:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


@pytest.fixture
def start_server(transactional_db: Any) -> Iterator[Callable[..., Server]]:
    (ROOT / "tests" / "artifacts").mkdir(parents=True, exist_ok=True)
    servers: list[Server] = []

    def start(port: int | None = None, script: str = "serve.sh", **env: str) -> Server:
        server = Server(env, port, script)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
