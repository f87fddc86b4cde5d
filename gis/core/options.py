"""Command-line options that several management commands share."""

from __future__ import annotations

from django.core.management.base import CommandError

from gis.core.models import Municipality


def municipality_option(code: str | None) -> Municipality:
    """The municipality that `--municipality CODE` names, or the only one when no code is given.

    An unknown code, or no code while several (or no) municipalities are loaded, is a
    CommandError that names the option and lists the codes to choose from."""
    codes = ", ".join(Municipality.objects.values_list("code", flat=True)) or "none loaded"
    if code:
        found = Municipality.objects.filter(code=code).first()
        if found is None:
            raise CommandError(f"--municipality must be one of {codes}, got {code!r}")
        return found
    everyone = list(Municipality.objects.all()[:2])
    if len(everyone) != 1:
        raise CommandError(f"--municipality is required: choose one of {codes}")
    return everyone[0]
