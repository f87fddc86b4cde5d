"""Stand in for a reaping init while a test kills a PostgreSQL it started.

A SIGKILLed postmaster stays a zombie until its parent reaps it, and `pg_ctl status` (hence
`trygg db start`) takes a zombie for a running server. The postmaster's parent is init, which in
some containers never reaps. Marking this process a child subreaper (Linux prctl) makes the
clusters it starts its own orphans, so it can reap them as a proper init would.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import time
from collections.abc import Iterator
from pathlib import Path

PR_SET_CHILD_SUBREAPER = 36


def _set_subreaper(on: bool) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, int(on), 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER) failed")


@contextlib.contextmanager
def subreaper() -> Iterator[None]:
    """Orphans of processes started inside the block are reparented to this process."""
    _set_subreaper(True)
    try:
        yield
    finally:
        reap_postgres()
        _set_subreaper(False)


def reap_postgres(wait_for: int | None = None, timeout: float = 10.0) -> None:
    """Reap exited `postgres` children (and wait up to `timeout` s for `wait_for` to exit)."""
    deadline = time.monotonic() + timeout
    while True:
        for pid in _postgres_children():
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
        if wait_for is None or not Path(f"/proc/{wait_for}").exists():
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"process {wait_for} did not exit")
        time.sleep(0.05)


def _postgres_children() -> list[int]:
    me = os.getpid()
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        if name.startswith("postgres") and int(fields[1]) == me:
            found.append(int(stat.parent.name))
    return found
