"""Identifiers from paths and query strings: ASCII digits only.

``int()`` and ``str.isdigit()`` accept every Unicode digit: ``"²".isdigit()`` is true but
``int("²")`` fails, and ``int("١٢")`` is 12. An id that a client sends is parsed here: plain
ASCII digits, within PostgreSQL's bigint, else :class:`ValueError` (a view answers 404 for a
path part, 400 naming a query parameter).
"""

from __future__ import annotations

import re

ASCII_DIGITS = re.compile(r"[0-9]+")
BIGINT_MAX = 2**63 - 1


def is_ascii_digits(text: object) -> bool:
    """Whether `text` is a non-empty string of ASCII digits (of any length)."""
    return isinstance(text, str) and ASCII_DIGITS.fullmatch(text) is not None


def is_ascii_id(text: object) -> bool:
    """Whether `text` is a string of ASCII digits whose value fits a bigint."""
    return is_ascii_digits(text) and len(text) <= 19 and int(text) <= BIGINT_MAX


def parse_id(text: object) -> int:
    """The integer of `text`, which must be ASCII digits only (see module doc).

    Raises
    ------
    ValueError
        When `text` is anything else (signs, spaces, other digits, too large).
    """
    if not is_ascii_id(text):
        raise ValueError(f"expected ASCII digits, got {text!r}")
    return int(text)
