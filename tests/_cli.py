"""Running the `trygg` command line as an operator would: a subprocess of this Python."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def trygg(*args: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    """`trygg ARGS…` run from the project's root with environment `env` (the whole
    environment, not additions); output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "gis.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
