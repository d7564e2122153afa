#!/usr/bin/env python3
"""Exit 0 if a URL answers 200, 1 otherwise: the container's HEALTHCHECK (the slim image has
no curl). Sends the first of ALLOWED_HOSTS as Host, since Django refuses any other.

    python scripts/probe.py http://127.0.0.1:8000/health/
"""

from __future__ import annotations

import os
import sys
import urllib.request


def main(url: str) -> int:
    host = os.environ.get("ALLOWED_HOSTS", "localhost").split(",")[0].strip().lstrip(".") or "localhost"
    request = urllib.request.Request(url, headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=float(os.environ.get("PROBE_TIMEOUT", "4"))) as response:
            return 0 if response.status == 200 else 1
    except OSError as error:
        print(f"probe: {url}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000/health/"))
