"""Spreadsheet-safe CSV: text cells that a spreadsheet would read as a formula are neutralised.

Every CSV that Trygg writes goes through this module (the walk, fix and situation-picture
exports). A text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
is prefixed with an apostrophe (OWASP, "CSV Injection"), so a note such as
``=HYPERLINK("http://evil", "click")`` is shown as text, never evaluated. Numbers that Trygg
itself computes are written as numbers (``int``/``float``, not pre-formatted strings) and left
alone, so a negative coordinate such as -3.5 stays a number.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

from gis.core.lazy import lazy_module

pd = lazy_module("pandas")

#: The first characters that make a spreadsheet treat a cell as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """`value`, with an apostrophe in front when it is text beginning like a formula.

    Anything that is not ``str`` (numbers, ``None``, dates) is returned unchanged.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def safe_row(row: Iterable[Any]) -> list[Any]:
    """Every cell of `row` through :func:`safe_cell`."""
    return [safe_cell(value) for value in row]


class SafeWriter:
    """A :func:`csv.writer` whose rows pass through :func:`safe_row`."""

    def __init__(self, stream, **kwargs: Any) -> None:
        self._writer = csv.writer(stream, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(stream, **kwargs: Any) -> SafeWriter:
    """A CSV writer on `stream` (as :func:`csv.writer`) that neutralises formula cells."""
    return SafeWriter(stream, **kwargs)


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose text cells pass through :func:`safe_cell` (for ``to_csv``).

    Only object/string columns are touched; numeric columns keep their numbers.
    """
    frame = frame.copy()
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column):
            frame[name] = column.map(safe_cell)
    return frame
