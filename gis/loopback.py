"""Trygg servers on the loopback interface, for the tests and the benchmarks: a free port, and
waiting until a started server process answers `/healthz`."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_healthy(
    url: str, server: subprocess.Popen, *, timeout: float = 60.0, log: Path | None = None
) -> None:
    """Poll `url`/healthz until it answers 200; RuntimeError if `server` exits or time runs out.

    The error carries the server's log (`log`) when one is given.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:  # refused, or 503 while the database is not reachable yet
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            details = log.read_text() if log is not None and log.exists() else ""
            raise RuntimeError(f"server at {url} did not become healthy. {details}".strip())
        time.sleep(0.2)
