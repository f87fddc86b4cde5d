"""Colours taken from stored data, checked before they are drawn or written into markup.

A category's colour is typed by staff; an old row may hold anything (``"><b>x``). Every
output that uses such a colour (the situation picture's figures and page, the field apps'
configuration) takes it through :func:`safe_hex`, which answers a ``#rgb``/``#rrggbb`` colour
or the fallback.
"""

from __future__ import annotations

import re

HEX_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}")
#: The colour used when a stored one is not a hex colour.
DEFAULT = "#888888"


def is_hex(value: object) -> bool:
    """Whether `value` is a ``#rgb`` or ``#rrggbb`` string (ASCII hex digits only)."""
    return isinstance(value, str) and HEX_COLOUR.fullmatch(value) is not None


def safe_hex(value: object, default: str = DEFAULT) -> str:
    """`value` when it is a hex colour (see :func:`is_hex`), else `default`."""
    return value if is_hex(value) else default
