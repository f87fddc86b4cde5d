"""A transaction that lasts a test module: built once, rolled back when the module ends."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


@contextlib.contextmanager
def rolled_back_after(django_db_blocker) -> Iterator[None]:
    """Open a transaction (database access unblocked for the body's setup) and roll it back,
    whatever happens, when the block ends. Tests inside still each get their own savepoint
    (pytest-django's `db`)."""
    from django.db import transaction

    atomic = transaction.atomic()
    with django_db_blocker.unblock():
        atomic.__enter__()
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
