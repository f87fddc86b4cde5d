"""What the accessibility statement says, kept as data the tests read too.

The statement at /tillganglighet/ (DIGG's model for the Swedish law 2018:1937 on accessible
digital public services) is generated from this module: the pages the browser tests visit
(`PAGES`), the checks they run on each (`CHECKS`) and what is known not to pass
(`KNOWN_ISSUES`). tests/project/test_pages_layout.py and test_axe.py take their page list from
`PAGES`, so the statement cannot claim a page is checked that the tests do not visit; a test
asserts that the statement names every page and every known issue.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

#: The day the checks below were last run against every page and the statement reviewed.
TESTED_ON = datetime.date(2026, 12, 6)

#: The viewport widths (CSS pixels) the pages are checked at: a desktop and a phone.
DESKTOP = (1366, 900)
PHONE = (412, 915)


@dataclass(frozen=True)
class Page:
    """A page the tests visit. `path` is its address in Swedish (the default language), with
    ``{fix}`` and ``{walk}`` standing for a fix's id and a walk's join code (``{pin}`` and
    ``{token}``: a report followed by e-mail and its unsubscribe token; ``{closed_walk}``: a
    closed walk's join code); `login` says
    whether a staff member must be logged in; `status` is the HTTP status the page answers."""

    key: str
    name: Promise
    path: str
    login: bool = False
    status: int = 200


PAGES: tuple[Page, ...] = (
    Page("home", _("Start page"), "/"),
    Page("login", _("Log in"), "/login/"),
    Page("dashboard", _("Map (dashboard)"), "/dashboard/", login=True),
    Page("situation", _("Situation picture"), "/dashboard/lagesbild/", login=True),
    Page("fix-list", _("Work list of fixes"), "/fixes/", login=True),
    Page("fix", _("A fix's page"), "/fixes/{fix}/", login=True),
    Page("fix-print", _("Printable work list"), "/fixes/print/", login=True),
    Page("import", _("Import a file (planners, coordinators, partners)"), "/import/", login=True),
    Page("import-batches", _("Imported batches"), "/import/batches/", login=True),
    Page("walk-list", _("Safety walks (walk leaders)"), "/walks/", login=True),
    Page("walk-create", _("New safety walk"), "/walks/new/", login=True),
    Page("walk-manage", _("A safety walk's page (walk leaders)"), "/walks/{walk}/", login=True),
    Page("report", _("Report a place that feels unsafe (residents)"), "/rapportera/"),
    Page("walk-app", _("The walk app (participants' phones)"), "/w/{walk}/"),
    Page("shift-report", _("Shift report (EST partners' phones)"), "/skiftrapport/", login=True),
    Page("api-docs", _("API documentation"), "/api/docs/"),
    Page("accessibility", _("This accessibility statement"), "/tillganglighet/"),
    Page("not-found", _("Page not found (404)"), "/finns-inte/", status=404),
    Page(
        "bad-request",
        _("A filter that cannot be read (400)"),
        "/dashboard/lagesbild/?from=x",
        login=True,
        status=400,
    ),
    Page(
        "presence", _("Presence: the partners' shifts and the week's plan"), "/narvaro/", login=True
    ),
    Page("presence-visits", _("Visit log (the teams' phones)"), "/narvaro/besok/", login=True),
    Page(
        "measure-list",
        _("Presence measures (coordinators, partners)"),
        "/narvaro/atgarder/",
        login=True,
    ),
    Page("measure-create", _("New presence measure"), "/narvaro/atgarder/ny/", login=True),
    Page("notices-follow", _("Follow a report by e-mail (residents)"), "/meddelanden/folj/{pin}/"),
    Page(
        "notices-unsubscribe",
        _("Stop e-mail about a report (residents)"),
        "/meddelanden/avsluta/{token}/",
    ),
    Page(
        "personal-data",
        _("A resident's personal data (coordinators)"),
        "/meddelanden/personuppgifter/",
        login=True,
    ),
    Page(
        "campaign-answer",
        _("A digital safety walk (residents' phones)"),
        "/trygghetsvandring/demo-kvallsvandring/",
    ),
    Page(
        "campaign-results",
        _("The results of a digital safety walk"),
        "/trygghetsvandring/demo-digital-vandring/resultat/",
    ),
    Page("campaign-list", _("Digital walks (staff)"), "/digitala-vandringar/", login=True),
    Page(
        "campaign",
        _("A digital walk's page with its QR code (staff)"),
        "/digitala-vandringar/demo-digital-vandring/",
        login=True,
    ),
    Page(
        "campaign-poster",
        _("A digital walk's poster (A4)"),
        "/digitala-vandringar/demo-digital-vandring/affisch/",
        login=True,
    ),
    Page(
        "walk-plan",
        _("Planning a safety walk's route (walk leaders)"),
        "/vandringar/{walk}/planera/",
        login=True,
    ),
    Page("walk-print", _("Printable walk plan"), "/vandringar/{walk}/utskrift/", login=True),
    Page(
        "walk-results",
        _("Results of the safety walk"),
        "/trygghetsvandringar/{closed_walk}/resultat/",
    ),
    Page("recompute-task", _("Recomputing the ranking of fixes"), "/analyser/{task}/", login=True),
)


@dataclass(frozen=True)
class Check:
    """A check the browser tests run on every page in `PAGES`."""

    key: str
    description: Promise


CHECKS: tuple[Check, ...] = (
    Check(
        "axe",
        _(
            "Automatic testing with axe-core (WCAG 2.1 A and AA rules): no violation of impact "
            "serious or critical, including colour contrast of text (4.5:1), labels of form "
            "fields, names of links and buttons, landmarks and the page language."
        ),
    ),
    Check(
        "reflow",
        _(
            "Reflow: at 412 CSS pixels wide (a phone) and at 1366 (a desktop) nothing is wider "
            "than the screen and every visible link, button and form field lies inside it."
        ),
    ),
    Check(
        "keyboard",
        _(
            "Keyboard: the first Tab reaches a link that skips to the content, and on a phone "
            "the menu opens and its links are reached with the keyboard."
        ),
    ),
)


@dataclass(frozen=True)
class KnownIssue:
    """Something known not to be accessible: what, why, and what to use instead. `pages` are
    keys of `PAGES`; `test_ids` name the test parameters expected to fail because of it."""

    key: str
    description: Promise
    pages: tuple[str, ...] = ()
    test_ids: tuple[str, ...] = ()


KNOWN_ISSUES: tuple[KnownIssue, ...] = (
    KnownIssue(
        "map-canvas",
        _(
            "The maps are drawn as images (a canvas): a screen reader cannot read the points "
            "on them. The same reports, hot spots and fixes are in the situation picture's "
            "tables and in the work list, which are readable text."
        ),
        pages=("dashboard", "walk-create", "report", "walk-app"),
    ),
    KnownIssue(
        "charts",
        _(
            "The charts of the situation picture and the fix pages are images with a short "
            "text alternative; their numbers are in the tables next to them."
        ),
        pages=("situation", "fix"),
    ),
)


def page_keys() -> list[str]:
    """Keys of the checked pages, in the statement's order."""
    return [page.key for page in PAGES]
