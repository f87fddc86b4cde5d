"""Reading JSON that Trygg stored earlier: an analysis run's `summary` and `params`, a fix's
`reasons`.

Such JSON may have been written by an older version (other keys, other shapes) or left
incomplete (a run whose summary is still `{}`), so pages never index it directly: every read
goes through :func:`value`, :func:`records`, :func:`number` or :func:`record`, which answer a
default where the stored value is missing or of another kind, instead of raising.
"""

from __future__ import annotations

import math
from typing import Any


class StoredRecord(dict):
    """A stored JSON object whose missing keys read as None (`record["x"]`)."""

    def __missing__(self, key: str) -> None:
        return None


def value(data: Any, *path: str, default: Any = None, kind: type | tuple[type, ...] = object):
    """The value at `path` (object keys) in `data`, if it is a `kind`; else `default`."""
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return default
        data = data[key]
    if data is None or not isinstance(data, kind):
        return default
    return data


def record(data: Any) -> StoredRecord:
    """`data` as a :class:`StoredRecord` (empty when it is no JSON object)."""
    return StoredRecord(data) if isinstance(data, dict) else StoredRecord()


def records(data: Any, *path: str) -> list[StoredRecord]:
    """The objects of the list at `path` in `data` (other items left out); [] when there is
    no list there."""
    items = value(data, *path, default=[], kind=list)
    return [record(item) for item in items if isinstance(item, dict)]


def number(data: Any, *path: str) -> float | None:
    """The finite number at `path` in `data` (a boolean is no number); else None."""
    found = value(data, *path, kind=int | float)
    if found is None or isinstance(found, bool) or not math.isfinite(found):
        return None
    return float(found)


def whole(data: Any, *path: str, default: int = 0) -> int:
    """The number at `path` in `data` as a whole number; `default` when there is none."""
    found = number(data, *path)
    return default if found is None else int(found)
