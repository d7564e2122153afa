"""scripts/reliability.py turns the fault tests' printed figures into docs/reliability.md tables."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "reliability.py"
OUTPUT = """.
[fault 2: server SIGKILL, restarted on the same port]
  sockets: 1000
  back within 10 s: 960/833
  page model: oob targets missing / ids added twice: (0, 0)
  latency (ms): {'p50': 1.5, 'max': 2.0}
  problems: []
.
[fault 7: a reader that never reads (serve.sh)]
  deliveries missing on normal pages: {}
2 passed in 81.20s
"""


def load() -> object:
    spec = importlib.util.spec_from_file_location("reliability", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_each_printed_block_becomes_a_table_between_the_markers() -> None:
    script = load()
    text = script.section(OUTPUT, 0, 81.2, "full")  # type: ignore[attr-defined]

    start, end = script.markers("full")  # type: ignore[attr-defined]
    assert text.startswith(start) and text.endswith(end)
    assert "FAULTS_SCALE=full, 1 min in all: 2 passed in 81.20s" in text
    assert "#### fault 2: server SIGKILL, restarted on the same port" in text
    assert "| back within 10 s | `960/833` |" in text
    assert "| deliveries missing on normal pages | `{}` |" in text
    assert "| page model: oob targets missing / ids added twice | `(0, 0)` |" in text
    assert "| latency (ms) | `{'p50': 1.5, 'max': 2.0}` |" in text
    assert "a test failed" not in text and "a test failed" in script.section(OUTPUT, 1, 1, "ci")  # type: ignore[attr-defined]
