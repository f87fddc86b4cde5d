"""Request values that PostgreSQL cannot compare: a NUL character never reaches a query.

PostgreSQL text cannot contain NUL (0x00); a lookup with one fails with a database error. Path
parts are checked before a view runs (`reject_null_path_parts`: no object is named so, 404);
query parameters and body fields where they are parsed, as a 400 naming them (`check_no_nul`,
DRF's CharField, gis.core.api.fields.CodeField).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _
from rest_framework import exceptions

NUL = "\x00"


def reject_null_path_parts(path_parts: dict) -> None:
    """404 when a part of the path holds a NUL: nothing is named so."""
    if any(isinstance(value, str) and NUL in value for value in path_parts.values()):
        raise exceptions.NotFound()


def check_no_nul(name: str, values: Iterable[str]) -> None:
    """A 400 naming the parameter `name` when one of its values holds a NUL."""
    if any(NUL in value for value in values):
        raise exceptions.ValidationError({name: [_("Null characters are not allowed.")]})
