"""Where Trygg keeps its files: the project root and the private `var/` directory."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def var_dir() -> Path:
    """The private state directory (embedded database, media); `TRYGG_VAR_DIR` overrides it."""
    return Path(os.environ.get("TRYGG_VAR_DIR", PROJECT_ROOT / "var")).resolve()
