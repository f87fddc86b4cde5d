"""Fixtures of the project's tests: `trygg demo` run once per test module, in a transaction
undone when the module ends; and each test leaves the language as it found it.

The session's test database holds the demo's data only (tests/conftest.py loads it with
`load_demo`); the command adds what a user sees first: the analyses, the demo accounts and an
open walk. Running it costs some ten seconds, so a module that asks about it runs it once.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest

from tests._module_db import rolled_back_after


@dataclass
class DemoRun:
    """What `trygg demo --no-serve` printed."""

    output: str


@pytest.fixture(scope="module")
def demo_run(django_db_setup, django_db_blocker, tmp_path_factory) -> DemoRun:
    """`trygg demo --no-serve` on the loaded test database; heat-map rasters go to a temporary
    media folder."""
    from django.core.management import call_command
    from django.test.utils import override_settings

    out = io.StringIO()
    media = override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("media")))
    with rolled_back_after(django_db_blocker), media:
        with django_db_blocker.unblock():
            call_command("demo", "--no-serve", stdout=out)
        yield DemoRun(out.getvalue())


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker):
    """What the checked pages of the layout and axe tests show, committed for the live server
    (:func:`tests.project._site_pages.make_site_objects`), once per module."""
    from tests.project._site_pages import make_site_objects

    return make_site_objects(django_db_blocker)


@pytest.fixture(autouse=True)
def _language_as_found():
    """A request to an English page leaves English active in the thread (the locale middleware
    activates the language of each request and nothing deactivates it): give the next test the
    language this one found, so that URL patterns and labels do not depend on the test order."""
    from django.utils import translation

    found = translation.get_language()
    yield
    if found:
        translation.activate(found)
    else:
        translation.deactivate()
