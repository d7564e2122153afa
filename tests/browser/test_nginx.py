"""docs/deploy/nginx.conf for real: Debian's nginx (test.sh installs it when run as root) in
front of two production servers on Redis. A write handled by one node shows on pages held by
the other, pages survive a node's restart, static files come from nginx itself, and a body
over MAX_REQUEST_BYTES is refused by nginx."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import expect
from rest_framework.authtoken.models import Token

from tests.browser.conftest import open_as, shot
from tests.servers import ROOT, _free_port
from tests.services import redis_url, unavailable

pytestmark = [pytest.mark.browser, pytest.mark.redis, pytest.mark.nginx]

CONF = ROOT / "docs" / "deploy" / "nginx.conf"
LIVE = "#live-status[data-state=live] .live-now"
# DEBUG off as deployed; the test process's own key, so that the sessions it makes are valid there
PRODUCTION = {
    "script": "serve-prod.sh",
    "WEB_CONCURRENCY": "1",
    "DEBUG": "0",
    "SECRET_KEY": settings.SECRET_KEY,
}


def nginx_binary() -> str:
    path = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(path):
        unavailable("nginx is not installed (apt-get install nginx; test.sh does it as root)")
    return path


@pytest.fixture(scope="session")
def static_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """collectstatic's output, as a deploy makes it (hashed names: the nodes run DEBUG=0)."""
    root = tmp_path_factory.mktemp("staticfiles")
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": PRODUCTION["SECRET_KEY"], "STATIC_ROOT": str(root)}
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )
    return root


def site_config(listen: int, nodes: tuple[int, int], static: Path) -> str:
    """The documented file with this run's ports and folders, nothing else changed."""
    text = CONF.read_text()
    for documented, port in zip(("8001", "8002"), nodes, strict=True):
        text = text.replace(f"server 127.0.0.1:{documented} ", f"server 127.0.0.1:{port} ")
    text = text.replace("listen 80;", f"listen 127.0.0.1:{listen};")
    return text.replace("/srv/taskboard/staticfiles/", f"{static}/")


@pytest.fixture
def nginx(tmp_path: Path, static_root: Path) -> Iterator[Callable[[tuple[int, int]], str]]:
    binary = nginx_binary()
    processes: list[subprocess.Popen[bytes]] = []

    def start(nodes: tuple[int, int]) -> str:
        port = _free_port()
        (tmp_path / "taskboard.conf").write_text(site_config(port, nodes, static_root))
        user = "user root;" if os.getuid() == 0 else ""
        (tmp_path / "nginx.conf").write_text(
            f"""{user}
daemon off;
worker_processes 1;
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log warn;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    access_log {tmp_path}/access.log;
    client_body_temp_path {tmp_path}/body;
    proxy_temp_path {tmp_path}/proxy;
    fastcgi_temp_path {tmp_path}/fastcgi;
    uwsgi_temp_path {tmp_path}/uwsgi;
    scgi_temp_path {tmp_path}/scgi;
    include {tmp_path}/taskboard.conf;
}}
"""
        )
        check = subprocess.run(
            [binary, "-t", "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True
        )
        assert check.returncode == 0, check.stderr
        processes.append(subprocess.Popen([binary, "-c", str(tmp_path / "nginx.conf")], cwd=tmp_path))
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return f"http://127.0.0.1:{port}"
            except OSError:
                assert time.monotonic() < deadline, (tmp_path / "error.log").read_text()
                time.sleep(0.1)

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=10)


def test_the_documented_body_limit_is_max_request_bytes() -> None:
    size = re.search(r"client_max_body_size (\d+)m;", CONF.read_text())

    assert size and int(size.group(1)) * 1024 * 1024 == settings.MAX_REQUEST_BYTES


def sockets_opened(server: Any) -> set[int]:
    """Users whose socket this node accepted (its JSON log)."""
    users = set()
    for line in server.log_text().splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            if record.get("logger") == "sockets" and record.get("message") == "socket opened":
                users.add(record["user_id"])
    return users


def test_two_nodes_behind_nginx_share_updates_and_survive_a_restart(
    browser: Any, start_server: Any, nginx: Any, static_root: Path, team: Any, make_user: Any, alice: Any
) -> None:
    ports = (_free_port(), _free_port())
    env = {
        **PRODUCTION,
        "STATIC_ROOT": str(static_root),
        "REDIS_URL": redis_url(),
        "REDIS_PREFIX": "nginx",
        "LOG_FORMAT": "json",
        "ACCESS_LOG": "1",
    }
    nodes = [start_server(port, **env) for port in ports]
    proxy = SimpleNamespace(url=nginx(ports))
    token = Token.objects.create(user=alice).key

    def create_through(node: Any, title: str) -> None:
        request = urllib.request.Request(
            node.url + "/api/tasks/",
            data=json.dumps({"title": title}).encode(),
            headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        )
        urllib.request.urlopen(request, timeout=10).close()

    # pages through nginx until each node holds at least one of their sockets
    pages: dict[int, Any] = {}  # user id -> page
    for name in ("bob", "carol", "dave", "erin", "frank", "gina"):
        user = make_user(name)
        pages[user.pk] = open_as(browser, proxy, user, f"/boards/{team.slug}/")
        expect(pages[user.pk].locator(LIVE)).to_be_visible(timeout=10_000)
        if all(sockets_opened(node) for node in nodes):
            break
    on = [sockets_opened(node) & set(pages) for node in nodes]
    assert on[0] and on[1], "nginx never sent a socket to one of the nodes"
    page_on_a, page_on_b = pages[min(on[0])], pages[min(on[1] - on[0])]
    page_on_b.evaluate("window.notReloaded = true")

    # a write handled by node A (directly) reaches the page whose socket is on node B
    create_through(nodes[0], "Crossed from node A")
    for page in pages.values():
        expect(page.locator(f"#board-{team.pk}-open")).to_contain_text("Crossed from node A")
    shot(page_on_b, "nginx-crossed-to-node-b")

    # node B restarts: its pages reconnect through nginx (to A while B is down) and stay live
    nodes[1].stop()
    create_through(nodes[0], "While node B was down")
    for page in pages.values():
        expect(page.locator(f"#board-{team.pk}-open")).to_contain_text(
            "While node B was down", timeout=20_000
        )
    nodes[1] = start_server(ports[1], **env)
    create_through(nodes[1], "From node B again")
    for page in pages.values():
        expect(page.locator(f"#board-{team.pk}-open")).to_contain_text("From node B again", timeout=20_000)
        expect(page.locator(LIVE)).to_be_visible(timeout=10_000)
        assert page.errors == [] or all("WebSocket" in error for error in page.errors), page.errors
    assert page_on_b.evaluate("window.notReloaded") is True  # the same page, never reloaded
    shot(page_on_b, "nginx-after-node-b-restart")
    assert page_on_a.locator(f"#board-{team.pk}-open").inner_text().count("From node B again") == 1


def test_static_files_come_from_nginx_and_big_bodies_stop_there(
    start_server: Any, nginx: Any, static_root: Path
) -> None:
    env = {**PRODUCTION, "STATIC_ROOT": str(static_root)}
    ports = (_free_port(), _free_port())
    for port in ports:
        start_server(port, **env)
    url = nginx(ports)

    with urllib.request.urlopen(url + "/static/favicon.svg", timeout=10) as response:
        static = response.headers
    with urllib.request.urlopen(url + "/health/", timeout=10) as response:
        proxied = response.headers
    with socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])), timeout=10) as raw:
        raw.sendall(
            f"POST /api/tasks/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {settings.MAX_REQUEST_BYTES + 1}\r\n\r\n".encode()
        )
        answer = raw.recv(4096).decode(errors="replace")

    assert static["Server"].startswith("nginx") and "X-Request-ID" not in static  # not from the app
    assert "immutable" in ", ".join(static.get_all("Cache-Control"))
    assert len(proxied["X-Request-ID"]) == 32  # nginx's $request_id, passed on and echoed by the app
    assert answer.startswith("HTTP/1.1 413") and "nginx" in answer
