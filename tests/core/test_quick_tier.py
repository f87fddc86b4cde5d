"""The quick tier and the lazily started database, seen from a pytest run in a subprocess.

Each run gets a `var/` of its own (TRYGG_VAR_DIR) and no DATABASE_URL, so the settings point at
an embedded cluster that does not exist yet: had anything started PostgreSQL, its data directory
would be there afterwards. The session's own cluster is never touched.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PURE_FILE = "tests/analysis/test_fdr.py"
# One pure test beside the notebooks, which run against the test database.
MIXED_FILE = "tests/hotspots/test_notebooks.py"


def run_pytest(var: Path, *args: str) -> tuple[dict[str, int], str]:
    """Run pytest on `args` with `var` as Trygg's var/; the outcome counts and the output."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "TRYGG_DB_NAME"}}
    env["TRYGG_VAR_DIR"] = str(var)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    counts = {word: int(n) for n, word in re.findall(r"(\d+) (passed|deselected|failed)", output)}
    return counts, output


def assert_no_cluster(var: Path) -> None:
    assert not (var / "postgres").exists(), "PostgreSQL was initialised for pure tests"
    assert not list(var.glob("run/.s.PGSQL.*")), "PostgreSQL was started for pure tests"


def test_quick_runs_pure_tests_deselects_the_rest_and_starts_no_postgres(tmp_path):
    """Deselected database tests start nothing: the start is lazy, not in pytest's setup."""
    var = tmp_path / "var"
    counts, output = run_pytest(var, "--quick", PURE_FILE, MIXED_FILE)
    assert counts.get("passed", 0) >= 11, output[-2000:]  # the pure file's and the mixed one's
    assert counts.get("deselected", 0) >= 3, output[-2000:]  # the notebooks
    assert "skipped" not in output
    assert_no_cluster(var)
