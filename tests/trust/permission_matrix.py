"""The permission matrix: for every URL route and method, what each kind of actor gets.

The one place this is written down. `tests/trust/test_permissions.py` requests every row as every
actor and fails on any route without a row; the tables of the "Permission matrix" section of
docs/security.md are rendered from this module (:func:`summary_table`, :func:`admin_table`) and
checked to be the same.

The matrix is kept apart from the code on purpose: the views enforce it with their own checks,
and the test compares the two. An answer is an HTTP status, or one of these redirects:

* ``LOGIN``: 302 to the staff login page (pages, for visitors without a session);
* ``ADMIN_LOGIN``: 302 to the back office's login page;
* ``ADMIN_INDEX``: 302 to the back office's index (its answer to an object it cannot find);
* ``REDIRECT``: 302 anywhere else (a form that did what it was asked, a language switch).

Objects in URLs belong to the municipality the staff actors work for, except for
``other_municipality``: a coordinator of another municipality, to whom they are out of reach
(404; 400 naming ``municipality`` where the municipality is a parameter).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

LOGIN = "login"
ADMIN_LOGIN = "admin-login"
ADMIN_INDEX = "admin-index"
REDIRECT = "redirect"
Answer = int | str

ACTORS = (
    "anonymous",  # no session, no token
    "resident",  # no session; a device token, and the tracking link of their own pin
    "participant",  # no session; the device token that joined a walk and recorded a finding
    "coordinator",
    "planner",
    "street_department",
    "parks_department",
    "walk_leader",
    "analyst",
    "partner",  # an EST partner's member (police, guards, night walkers): reads; shift reports
    "no_role",  # signed in, staff flag, member of the municipality, in no role group
    "other_municipality",  # a coordinator who works for another municipality
    "superuser",
)
ROLES = ACTORS[3:10]

NO_SESSION = ("anonymous", "resident", "participant")
VIEWERS = (
    "coordinator",
    "planner",
    "street_department",
    "parks_department",
    "analyst",
    "partner",
)
# Viewers who see photos not made public: all but the EST partners (gis.core.roles.PHOTO_VIEW).
PHOTO_VIEWERS = tuple(a for a in VIEWERS if a != "partner")
SIGNED_IN = ACTORS[3:]
EVERYONE = ACTORS
OTHER = "other_municipality"
# Roles with the fix view permission and the dashboard's view permissions.
DASHBOARD = (*VIEWERS, "superuser")
NOT_DASHBOARD = ("walk_leader", "no_role")
LEADERS = ("coordinator", "walk_leader", "superuser")
NOT_LEADERS = (
    "planner",
    "street_department",
    "parks_department",
    "analyst",
    "partner",
    "no_role",
)
# Who moves the street department's fix used in the matrix (see the object-level rules).
STREET_FIX_MOVERS = ("coordinator", "planner", "street_department", "superuser")
NOT_STREET_FIX_MOVERS = ("parks_department", "analyst", "partner", "walk_leader", "no_role")
RECOMPUTERS = ("coordinator", "planner", "superuser")
NOT_RECOMPUTERS = (
    "street_department",
    "parks_department",
    "analyst",
    "partner",
    "walk_leader",
    "no_role",
)
TRIAGERS = ("coordinator", "superuser")
NOT_TRIAGERS = (
    "planner",
    "street_department",
    "parks_department",
    "analyst",
    "partner",
    "walk_leader",
)
NOT_PARTICIPANT = tuple(a for a in ACTORS if a != "participant")
# Members of an EST partner (gis.core.partners) write shift reports; the partner actor is one.
PARTNER_MEMBERS = ("partner",)
NOT_PARTNER_MEMBERS = tuple(a for a in SIGNED_IN if a not in PARTNER_MEMBERS)

# Who sees a resident's contact details in the dashboard's pin details (a field, not a route).
# The import page (layers.importaccess): coordinators and planners (layers.add_importbatch).
# The partner actor, a member of an EST partner, uploads its partner's incidents only: its own
# jobs and batches, not the coordinator's (404).
IMPORTERS = ("coordinator", "planner", "superuser")
NOT_IMPORTERS = (
    "street_department",
    "parks_department",
    "walk_leader",
    "analyst",
    "no_role",
)
CONTACT_DETAILS_SHOWN_TO = ("coordinator", "superuser")


@dataclass(frozen=True)
class Row:
    """One route and method: the answer each actor gets, and which answer means "done"."""

    route: str
    method: str
    ok: Answer | None
    answers: dict[str, Answer]
    action: str | None = None
    changes: bool = False  # a write: "done" must change the database, anything else must not

    def allows(self, actor: str) -> bool:
        return self.ok is not None and self.answers[actor] == self.ok


def _expand(spec: dict) -> dict[str, Answer]:
    answers: dict[str, Answer] = {}
    for key, answer in spec.items():
        for actor in (key,) if isinstance(key, str) else key:
            if actor not in ACTORS:
                raise ValueError(f"unknown actor {actor!r}")
            if actor in answers:
                raise ValueError(f"actor {actor!r} given twice")
            answers[actor] = answer
    missing = set(ACTORS) - set(answers)
    if missing:
        raise ValueError(f"no answer for {sorted(missing)}")
    return answers


def row(route, method, ok, spec, action=None, *, changes=False) -> Row:
    return Row(route, method, ok, _expand(spec), action, changes)


# --- actions shown in the summary table --------------------------------------------------------

PUBLIC_PAGES = "Public pages: start page, report form, walk app, tracking page"
PUBLIC_READ = "Public API: walks by code, findings, pins, categories, streets, Open311"
PUBLIC_WRITE = "Report a place, vote, join a walk, add findings and audits"
OWN_FINDING = "Correct or delete a walk finding, add photos to it"
API_DOCS = "API schema and documentation"
BASEMAP = "Basemap tiles and style (public OpenStreetMap data)"
DASHBOARD_DATA = "Dashboard map and its data (tiles, counts, layers, fixes, details)"
SITUATION = "Situation picture and its downloads"
WORK_LISTS = "Fix work lists, exports, printout, fix pages"
FIX_STATUS = "Change the status of a street fix"
RECOMPUTE = "Recompute the ranking of fixes"
TRIAGE = "Triage resident pins"
WALK_ADMIN = "List, create, manage and close walks"
WALK_SUMMARY = "Walk summaries and exports"
SHIFT_REPORTS = "Write shift reports, see the partner's own reports (Mina rapporter)"
IMPORT = "Import files into layers, list and undo batches (/import/)"
PRESENCE_VIEW = "Presence page: the partners' shifts, the week's plan, team lists"
PRESENCE_MANAGE = "Add and remove presence resources, plan the week"
PRESENCE_LOG = "Log presence visits (a partner's member: its own teams' visits)"
HIDDEN_PHOTOS = (
    "Photos of reports not made public (public ones: everyone; a resident: their own, by the "
    "tracking link)"
)
MEASURES_READ = "Presence measures: list, page and follow-up"
MEASURES_WRITE = "Record and edit presence measures"
MEASURE_DONE = "Move a presence measure (members of its responsible partner: mark it done)"
FOLLOW = "Follow a report by e-mail; stop the messages (the link in each, one-click)"
PERSONAL_DATA = "A resident's personal data by e-mail address: look up, export, erase"
CAMPAIGN_PUBLIC = "Digital walks: answer (anonymous, with photos), answer page, public results"
CAMPAIGN_STAFF = "Digital walks: list, staff page with QR code, poster, summary, exports"
STOP_TICK = "Tick the stops of a walk (its participants' phones)"

ACTIONS = (
    PUBLIC_PAGES,
    PUBLIC_READ,
    PUBLIC_WRITE,
    OWN_FINDING,
    API_DOCS,
    BASEMAP,
    DASHBOARD_DATA,
    SITUATION,
    WORK_LISTS,
    FIX_STATUS,
    RECOMPUTE,
    TRIAGE,
    WALK_ADMIN,
    WALK_SUMMARY,
    SHIFT_REPORTS,
    IMPORT,
    HIDDEN_PHOTOS,
    PRESENCE_VIEW,
    PRESENCE_MANAGE,
    PRESENCE_LOG,
    MEASURES_READ,
    MEASURES_WRITE,
    MEASURE_DONE,
    FOLLOW,
    PERSONAL_DATA,
    CAMPAIGN_PUBLIC,
    CAMPAIGN_STAFF,
    STOP_TICK,
)


def _public_get(route: str, action: str = PUBLIC_READ) -> list[Row]:
    """A public read-only API endpoint: GET for everyone, other methods 405."""
    return [
        row(route, "GET", 200, {EVERYONE: 200}, action),
        row(route, "POST", None, {EVERYONE: 405}),
    ]


def _public_post(route: str) -> list[Row]:
    """A public write-only API endpoint that creates something."""
    return [
        row(route, "POST", 201, {EVERYONE: 201}, PUBLIC_WRITE, changes=True),
        row(route, "GET", None, {EVERYONE: 405}),
    ]


def _dashboard_api(route: str, *, other: Answer = 400, action: str = DASHBOARD_DATA) -> list[Row]:
    """A dashboard data endpoint (GET): 401 without a session, 403 for roles without access."""
    return [
        row(
            route,
            "GET",
            200,
            {NO_SESSION: 401, DASHBOARD: 200, NOT_DASHBOARD: 403, OTHER: other},
            action,
        ),
        row(route, "POST", None, {NO_SESSION: 401, DASHBOARD: 405, NOT_DASHBOARD: 403, OTHER: 405}),
    ]


def _dashboard_page(route: str, action: str, *, other: Answer = 400) -> list[Row]:
    """A dashboard page (GET only): the login page without a session."""
    spec = {NO_SESSION: LOGIN, DASHBOARD: 200, NOT_DASHBOARD: 403, OTHER: other}
    return [row(route, "GET", 200, spec, action), row(route, "POST", None, {EVERYONE: 405})]


def _fix_page(route: str, *, other: Answer = 400) -> list[Row]:
    """A work-list page (GET only): the login page without a session."""
    return [
        row(
            route,
            "GET",
            200,
            {NO_SESSION: LOGIN, DASHBOARD: 200, NOT_DASHBOARD: 403, OTHER: other},
            WORK_LISTS,
        ),
        row(route, "POST", None, {EVERYONE: 405}),
    ]


def _import_row(
    route: str, method: str, ok: Answer, *, other: Answer, partner: Answer, changes=False
) -> Row:
    """A row of the import page: the login page without a session, 403 without import access;
    a partner member works on its own uploads only (`partner`: its answer for the row's
    request, which concerns the coordinator's job or batch where there is one)."""
    spec = {
        NO_SESSION: LOGIN,
        IMPORTERS: ok,
        ("partner",): partner,
        NOT_IMPORTERS: 403,
        OTHER: other,
    }
    return row(route, method, ok, spec, IMPORT, changes=changes)


def _leader_page(route: str, *, other: Answer) -> list[Row]:
    """A walk leader's page (any method reads)."""
    spec = {NO_SESSION: LOGIN, LEADERS: 200, NOT_LEADERS: 403, OTHER: other}
    return [row(route, "GET", 200, spec, WALK_ADMIN), row(route, "POST", 200, spec)]


def _summary_page(route: str) -> list[Row]:
    """A walk's summary or export: staff who may view findings, in its municipality."""
    spec = {
        NO_SESSION: LOGIN,
        (*VIEWERS, "walk_leader", "superuser"): 200,
        "no_role": 403,
        OTHER: 404,
    }
    return [row(route, "GET", 200, spec, WALK_SUMMARY), row(route, "POST", 200, spec)]


ROWS: list[Row] = [
    # --- project pages, documentation, language, health ---
    row("home", "GET", 200, {EVERYONE: 200}, PUBLIC_PAGES),
    row("home", "POST", 200, {EVERYONE: 200}),
    row("accessibility", "GET", 200, {EVERYONE: 200}, PUBLIC_PAGES),
    row("accessibility", "POST", 200, {EVERYONE: 200}),
    row("healthz", "GET", 200, {EVERYONE: 200}),
    row("healthz", "POST", 200, {EVERYONE: 200}),
    *_public_get("schema", API_DOCS),
    *_public_get("api-docs", API_DOCS),
    *_public_get("basemap-tile", BASEMAP),
    *_public_get("basemap-style", BASEMAP),
    row("set_language", "GET", None, {EVERYONE: REDIRECT}),
    row("set_language", "POST", None, {EVERYONE: REDIRECT}),
    # The CSP report address is answered by a middleware, not a route (see EXTRA_PATHS).
    row("/csp-report", "POST", 204, {EVERYONE: 204}),
    row("/csp-report", "GET", None, {EVERYONE: 404}),
    # --- staff login ---
    row("login", "GET", 200, {NO_SESSION: 200, SIGNED_IN: REDIRECT}),
    row("login", "POST", 200, {NO_SESSION: 200, SIGNED_IN: REDIRECT}),  # a wrong password
    row("logout", "GET", None, {EVERYONE: 405}),
    row("logout", "POST", LOGIN, {EVERYONE: LOGIN}),  # back to the login page
    # --- field app and resident pages (no login: a join code or a tracking token is the key) ---
    row("walks:sw", "GET", 200, {EVERYONE: 200}, PUBLIC_PAGES),
    row("walks:sw", "POST", 200, {EVERYONE: 200}),
    row("walks:app", "GET", 200, {EVERYONE: 200}, PUBLIC_PAGES),
    row("walks:app", "POST", 200, {EVERYONE: 200}),
    row("walks:report", "GET", 200, {EVERYONE: 200}, PUBLIC_PAGES),
    row("walks:report", "POST", 200, {EVERYONE: 200}),
    row("walks:track", "GET", 200, {EVERYONE: 200}, PUBLIC_PAGES),
    row("walks:track", "POST", 200, {EVERYONE: 200}),
    # --- the shift report of EST partners' members (walks.views.shift) ---
    *[
        r
        for page in ("walks:shift-report", "walks:shift-mine")
        for r in (
            row(
                page,
                "GET",
                200,
                {NO_SESSION: LOGIN, PARTNER_MEMBERS: 200, NOT_PARTNER_MEMBERS: 403},
                SHIFT_REPORTS,
            ),
            row(page, "POST", None, {EVERYONE: 405}),
        )
    ],
    row(
        "walks_api:shift-report-list",
        "POST",
        201,
        {NO_SESSION: 403, PARTNER_MEMBERS: 201, NOT_PARTNER_MEMBERS: 403},
        SHIFT_REPORTS,
        changes=True,
    ),
    row("walks_api:shift-report-list", "GET", None, {NO_SESSION: 403, SIGNED_IN: 405}),
    # --- walks and pins API, Open311 ---
    *_public_get("walks_api:walk-list"),
    *_public_get("walks_api:walk-detail"),
    *_public_get("walks_api:walk-streets"),
    *_public_post("walks_api:walk-join"),
    row("walks_api:finding-list", "GET", 200, {EVERYONE: 200}, PUBLIC_READ),
    row("walks_api:finding-list", "POST", 201, {EVERYONE: 201}, PUBLIC_WRITE, changes=True),
    row("walks_api:finding-detail", "GET", 200, {EVERYONE: 200}, PUBLIC_READ),
    row("walks_api:finding-detail", "POST", None, {EVERYONE: 405}),
    row(
        "walks_api:finding-detail",
        "PATCH",
        200,
        {"participant": 200, NOT_PARTICIPANT: 403},
        OWN_FINDING,
        changes=True,
    ),
    row(
        "walks_api:finding-detail",
        "DELETE",
        204,
        {"participant": 204, NOT_PARTICIPANT: 403},
        OWN_FINDING,
        changes=True,
    ),
    row(
        "walks_api:finding-photos",
        "POST",
        201,
        {"participant": 201, NOT_PARTICIPANT: 403},
        OWN_FINDING,
        changes=True,
    ),
    row("walks_api:finding-photos", "GET", None, {EVERYONE: 405}),
    row("walks_api:audit-list", "GET", 200, {EVERYONE: 200}, PUBLIC_READ),
    row("walks_api:audit-list", "POST", 201, {EVERYONE: 201}, PUBLIC_WRITE, changes=True),
    *_public_get("walks_api:streets"),
    *_public_get("walks_api:places"),
    *_public_get("walks_api:category-list"),
    row("walks_api:photo-location", "POST", 200, {EVERYONE: 200}, PUBLIC_READ),
    row("walks_api:photo-location", "GET", None, {EVERYONE: 405}),
    row("walks_api:pin-list", "GET", 200, {EVERYONE: 200}, PUBLIC_READ),
    row("walks_api:pin-list", "POST", 201, {EVERYONE: 201}, PUBLIC_WRITE, changes=True),
    *_public_get("walks_api:pin-nearby"),
    *_public_get("walks_api:pin-detail"),
    *_public_post("walks_api:pin-votes"),
    *_public_get("walks_api:pin-track"),
    # Uploaded files (gis.media), asked for a photo of a pin that is not published: staff of
    # its municipality who may view pin photos, and its reporter with the tracking token.
    row(
        "media",
        "GET",
        200,
        {
            ("anonymous", "participant", "walk_leader", "no_role", "partner", OTHER): 404,
            ("resident", *PHOTO_VIEWERS, "superuser"): 200,
        },
        HIDDEN_PHOTOS,
    ),
    row("media", "POST", None, {EVERYONE: 405}),
    # Open311 GeoReport v2: one route per format (json, xml).
    *[
        r
        for fmt in ("json", "xml")
        for r in (
            *_public_get(f"walks_api:open311-services-{fmt}"),
            row(f"walks_api:open311-requests-{fmt}", "GET", 200, {EVERYONE: 200}, PUBLIC_READ),
            row(
                f"walks_api:open311-requests-{fmt}",
                "POST",
                201,
                {EVERYONE: 201},
                PUBLIC_WRITE,
                changes=True,
            ),
            *_public_get(f"walks_api:open311-request-{fmt}"),
            *_public_get(f"walks_api:open311-token-{fmt}"),
        )
    ],
    # --- walk leaders' pages ---
    *_leader_page("walks:list", other=200),
    row(
        "walks:create",
        "GET",
        200,
        {NO_SESSION: LOGIN, LEADERS: 200, NOT_LEADERS: 403, OTHER: 200},
        WALK_ADMIN,
    ),
    # Another municipality's coordinator gets the form back with its errors (400): that
    # municipality is no choice.
    row(
        "walks:create",
        "POST",
        REDIRECT,
        {NO_SESSION: LOGIN, LEADERS: REDIRECT, NOT_LEADERS: 403, OTHER: 400},
        WALK_ADMIN,
        changes=True,
    ),
    *_leader_page("walks:manage", other=404),
    row(
        "walks:close",
        "POST",
        REDIRECT,
        {NO_SESSION: LOGIN, LEADERS: REDIRECT, NOT_LEADERS: 403, OTHER: 404},
        WALK_ADMIN,
        changes=True,
    ),
    row("walks:close", "GET", None, {EVERYONE: 405}),
    *_summary_page("walks:summary"),
    *_summary_page("walks:export"),
    # --- dashboard pages ---
    *_dashboard_page("dashboard:map", DASHBOARD_DATA),
    *_dashboard_page("dashboard:situation", SITUATION),
    *_dashboard_page("dashboard:situation-csv", SITUATION),
    *_dashboard_page("dashboard:situation-geojson", SITUATION),
    *_dashboard_page("dashboard:situation-map", SITUATION),
    # --- dashboard data API ---
    *_dashboard_api("dashboard-api:tile"),
    *_dashboard_api("dashboard-api:counts"),
    *_dashboard_api("dashboard-api:heatmap"),
    *_dashboard_api("dashboard-api:heatmap-png"),
    *_dashboard_api("dashboard-api:hotspots"),
    *_dashboard_api("dashboard-api:districts"),
    *_dashboard_api("dashboard-api:properties"),
    *_dashboard_api("dashboard-api:routes"),
    *_dashboard_api("dashboard-api:fixes"),
    *_dashboard_api("dashboard-api:feature", other=404),
    # The dashboard's photo of a pin not made public: not for EST partners (no photo permission).
    row(
        "dashboard-api:photo",
        "GET",
        200,
        {
            NO_SESSION: 401,
            (*PHOTO_VIEWERS, "superuser"): 200,
            ("partner", OTHER): 404,
            NOT_DASHBOARD: 403,
        },
        HIDDEN_PHOTOS,
    ),
    row(
        "dashboard-api:photo",
        "POST",
        None,
        {NO_SESSION: 401, DASHBOARD: 405, NOT_DASHBOARD: 403, OTHER: 405},
    ),
    row(
        "dashboard-api:fix",
        "GET",
        200,
        {NO_SESSION: 401, DASHBOARD: 200, NOT_DASHBOARD: 403, OTHER: 404},
        DASHBOARD_DATA,
    ),
    row(
        "dashboard-api:fix",
        "POST",
        200,
        {NO_SESSION: 401, STREET_FIX_MOVERS: 200, NOT_STREET_FIX_MOVERS: 403, OTHER: 404},
        FIX_STATUS,
        changes=True,
    ),
    row(
        "dashboard-api:triage",
        "POST",
        200,
        {NO_SESSION: 401, TRIAGERS: 200, (*NOT_TRIAGERS, "no_role"): 403, OTHER: 404},
        TRIAGE,
        changes=True,
    ),
    row(
        "dashboard-api:triage",
        "GET",
        None,
        {NO_SESSION: 401, TRIAGERS: 405, (*NOT_TRIAGERS, "no_role"): 403, OTHER: 405},
    ),
    # --- fix work lists ---
    *_fix_page("fixes:list"),
    *_fix_page("fixes:export-csv"),
    *_fix_page("fixes:export-geojson"),
    *_fix_page("fixes:print"),
    *_fix_page("fixes:detail", other=404),
    *_fix_page("fixes:map", other=404),
    row(
        "fixes:status",
        "POST",
        REDIRECT,
        {NO_SESSION: LOGIN, STREET_FIX_MOVERS: REDIRECT, NOT_STREET_FIX_MOVERS: 403, OTHER: 404},
        FIX_STATUS,
        changes=True,
    ),
    row("fixes:status", "GET", None, {EVERYONE: 405}),
    row(
        "jobs:recompute",
        "POST",
        REDIRECT,
        {NO_SESSION: LOGIN, RECOMPUTERS: REDIRECT, NOT_RECOMPUTERS: 403, OTHER: 400},
        RECOMPUTE,
        changes=True,
    ),
    row("jobs:recompute", "GET", None, {EVERYONE: 405}),
    # --- the import page: another municipality's coordinator imports for their own only ---
    _import_row("imports:upload", "GET", 200, other=200, partner=200),
    _import_row("imports:upload", "POST", REDIRECT, other=400, partner=REDIRECT, changes=True),
    _import_row("imports:job", "GET", 200, other=404, partner=404),
    _import_row("imports:job", "POST", 200, other=404, partner=404),  # a preview: nothing is stored
    _import_row("imports:status", "GET", 200, other=404, partner=404),
    row("imports:status", "POST", None, {EVERYONE: 405}),
    _import_row("imports:batches", "GET", 200, other=200, partner=200),
    row("imports:batches", "POST", None, {EVERYONE: 405}),
    _import_row("imports:undo", "POST", REDIRECT, other=404, partner=404, changes=True),
    row("imports:undo", "GET", None, {EVERYONE: 405}),
]

ROWS += [
    # The partner API authenticates by API key only: a session, of any role, is not a key.
    row("partner-incidents", "POST", None, {EVERYONE: 401}),
    row("partner-incidents", "GET", None, {EVERYONE: 401}),
]

# Presence work (gis.presence.access): every viewing role reads the presence page and the team
# lists; the coordinator adds and removes resources and plans the week; those who log visits
# (the coordinator: every team's; an EST partner's member: its own teams') open the visit log.
PRESENCE_MANAGERS = ("coordinator", "superuser")
NOT_PRESENCE_MANAGERS = tuple(a for a in SIGNED_IN if a not in (*PRESENCE_MANAGERS, OTHER))
VISIT_LOGGERS = ("coordinator", "partner", "superuser")
NOT_VISIT_LOGGERS = tuple(a for a in SIGNED_IN if a not in (*VISIT_LOGGERS, OTHER))


def _presence_write(route: str, ok: Answer, *, other: Answer) -> list[Row]:
    spec = {NO_SESSION: LOGIN, PRESENCE_MANAGERS: ok, NOT_PRESENCE_MANAGERS: 403, OTHER: other}
    return [
        row(route, "POST", ok, spec, PRESENCE_MANAGE, changes=True),
        row(route, "GET", None, {EVERYONE: 405}),
    ]


# Presence measures (gis.presence.measures): every viewer reads; coordinators record, edit and
# move them; the partner actor is a member of the measure's responsible partner and may mark it
# done. Another municipality's coordinator records for their own only (400 naming it).
MEASURE_EDITORS = ("coordinator", "superuser")
NOT_MEASURE_EDITORS = ("planner", "street_department", "parks_department", "analyst", "partner")


def _measure_editor_rows(route: str, *, other: Answer, other_post: Answer) -> list[Row]:
    """A coordinator's form page of the presence measures: GET the form, POST it."""
    refused = (*NOT_MEASURE_EDITORS, *NOT_DASHBOARD)
    return [
        row(
            route,
            method,
            ok,
            {NO_SESSION: LOGIN, MEASURE_EDITORS: ok, refused: 403, OTHER: theirs},
            MEASURES_WRITE,
            changes=method == "POST",
        )
        for method, ok, theirs in (("GET", 200, other), ("POST", REDIRECT, other_post))
    ]


ROWS += [
    *_dashboard_page("presence:page", PRESENCE_VIEW),
    *_dashboard_page("presence:team", PRESENCE_VIEW, other=404),
    *_presence_write("presence:resource-add", REDIRECT, other=400),
    *_presence_write("presence:resource-remove", REDIRECT, other=404),
    *_presence_write("presence:plan", REDIRECT, other=400),
    row(
        "presence:visits",
        "GET",
        200,
        {NO_SESSION: LOGIN, VISIT_LOGGERS: 200, NOT_VISIT_LOGGERS: 403, OTHER: 200},
        PRESENCE_LOG,
    ),
    row("presence:visits", "POST", None, {EVERYONE: 405}),
    row("presence:sw", "GET", 200, {EVERYONE: 200}, PRESENCE_LOG),
    row("presence:sw", "POST", None, {EVERYONE: 405}),
    row(
        "presence_api:visit-log",
        "POST",
        200,
        {NO_SESSION: 403, VISIT_LOGGERS: 200, NOT_VISIT_LOGGERS: 403, OTHER: 404},
        PRESENCE_LOG,
        changes=True,
    ),
    row("presence_api:visit-log", "GET", None, {NO_SESSION: 403, SIGNED_IN: 405}),
    # Read by every viewer (the dashboard's roles), as a dashboard page.
    *_dashboard_page("presence_measures:list", MEASURES_READ),
    *_dashboard_page("presence_measures:detail", MEASURES_READ, other=404),
    *_measure_editor_rows("presence_measures:create", other=200, other_post=400),
    *_measure_editor_rows("presence_measures:edit", other=404, other_post=404),
    row(
        "presence_measures:status",
        "POST",
        REDIRECT,
        {
            NO_SESSION: LOGIN,
            (*MEASURE_EDITORS, "partner"): REDIRECT,
            ("planner", "street_department", "parks_department", "analyst"): 403,
            NOT_DASHBOARD: 403,
            OTHER: 404,
        },
        MEASURE_DONE,
        changes=True,
    ),
    row("presence_measures:status", "GET", None, {EVERYONE: 405}),
]

ROWS += [
    # When a place is hot: the selection's reports by hour of the week, as the hot spots.
    *_dashboard_api("dashboard-api:time-profile"),
]

ROWS += [
    # Walk planning (gis.walkplan): the planning page as the walk's own page, the printable
    # plan as its summary, the results of a closed walk public (the matrix's walk is closed in
    # the request's savepoint; an open walk's results answer 404, tests/walkplan).
    *_leader_page("walkplan:plan", other=404),
    *_summary_page("walkplan:print"),
    row("walkplan:results", "GET", 200, {EVERYONE: 200}, PUBLIC_PAGES),
    row("walkplan:results", "POST", None, {EVERYONE: 405}),
    # The numbered stops on the phones: read with the code, ticked by the walk's participants.
    *_public_get("walks_api:walk-stops"),
    row(
        "walks_api:stop-tick",
        "POST",
        200,
        {"participant": 200, NOT_PARTICIPANT: 403},
        STOP_TICK,
        changes=True,
    ),
    row("walks_api:stop-tick", "GET", None, {EVERYONE: 405}),
]

# Walk planning (gis.walkplan): walk leaders and coordinators propose stops and a route, and
# save a plan to a walk of their municipality.
WALK_PLAN = "Plan walks: proposed stops and a route along the streets, saved to a walk"
ACTIONS += (WALK_PLAN,)
_PLANNERS = {NO_SESSION: 403, LEADERS: 200, NOT_LEADERS: 403}
ROWS += [
    row("walkplan_api:walkplans", "POST", 200, {**_PLANNERS, OTHER: 400}, WALK_PLAN),
    row("walkplan_api:walkplans", "GET", None, {**_PLANNERS, LEADERS: 405, OTHER: 405}),
    *(
        row(
            "walkplan_api:walk-plan",
            method,
            200,
            {**_PLANNERS, OTHER: 404},
            WALK_PLAN,
            changes=method == "POST",
        )
        for method in ("POST", "GET")
    ),
]

# Notices (gis.notices): anyone follows a report and stops messages by the link's token; the
# coordinator handles a resident's personal-data requests (for the whole installation).
PERSONAL_DATA_HANDLERS = ("coordinator", "superuser")
ROWS += [
    row("notices:follow", "GET", 200, {EVERYONE: 200}, FOLLOW),
    row("notices:follow", "POST", 200, {EVERYONE: 200}, FOLLOW, changes=True),
    row("notices:unsubscribe", "GET", 200, {EVERYONE: 200}, FOLLOW),
    row("notices:unsubscribe", "POST", 200, {EVERYONE: 200}, FOLLOW, changes=True),
    row("notices_api:one-click", "POST", 200, {EVERYONE: 200}, FOLLOW, changes=True),
    row("notices_api:one-click", "GET", None, {EVERYONE: 405}),
    *(
        row(
            "notices:personal-data",
            method,
            200,
            {
                NO_SESSION: LOGIN,
                (*PERSONAL_DATA_HANDLERS, OTHER): 200,
                tuple(a for a in SIGNED_IN if a not in (*PERSONAL_DATA_HANDLERS, OTHER)): 403,
            },
            PERSONAL_DATA,
        )
        for method in ("GET", "POST")
    ),
]

# Digital walks (gis.campaigns): residents answer anonymously and read the results; every viewing
# role opens the staff pages of its municipalities' campaigns (another municipality's: 404).
ROWS += [
    row("campaigns:answer", "GET", 200, {EVERYONE: 200}, CAMPAIGN_PUBLIC),
    row("campaigns:answer", "POST", None, {EVERYONE: 405}),
    row("campaigns:results", "GET", 200, {EVERYONE: 200}, CAMPAIGN_PUBLIC),
    row("campaigns:results", "POST", None, {EVERYONE: 405}),
    row("campaigns_api:responses", "POST", 201, {EVERYONE: 201}, CAMPAIGN_PUBLIC, changes=True),
    row("campaigns_api:responses", "GET", None, {EVERYONE: 405}),
    row(
        "campaigns_api:response-photos", "POST", 201, {EVERYONE: 201}, CAMPAIGN_PUBLIC, changes=True
    ),
    row("campaigns_api:response-photos", "GET", None, {EVERYONE: 405}),
    *_dashboard_page("campaigns:list", CAMPAIGN_STAFF, other=200),
    *(
        page_row
        for name in ("detail", "poster", "qr", "export")
        for page_row in _dashboard_page(f"campaigns:{name}", CAMPAIGN_STAFF, other=404)
    ),
]

# Addresses that no URL route serves (a middleware answers them).
EXTRA_PATHS = ("/csp-report",)


# --- the back office -----------------------------------------------------------------------------


@dataclass(frozen=True)
class AdminModel:
    """The roles that may view, add, change and delete a model in the back office (superusers
    may do everything, unless the model is `read_only` for everybody); `scoped`: its records
    belong to a municipality (or are one)."""

    view: tuple[str, ...] = ()
    add: tuple[str, ...] = ()
    change: tuple[str, ...] = ()
    delete: tuple[str, ...] = ()
    scoped: bool = True
    read_only: bool = False
    sees: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sees", tuple(dict.fromkeys((*self.view, *self.change))))


VIEW_ALL = VIEWERS  # the roles with every view permission
FIELD = ("coordinator", "walk_leader")


def _crud(*roles: str, view: tuple[str, ...] = VIEW_ALL, scoped: bool = True) -> AdminModel:
    return AdminModel(view=view, add=roles, change=roles, delete=roles, scoped=scoped)


ADMIN_MODELS: dict[str, AdminModel] = {
    "auth.group": AdminModel(scoped=False),
    "auth.user": AdminModel(scoped=False),
    "hotspots.analysisrun": AdminModel(
        view=VIEW_ALL, add=("coordinator", "planner", "analyst"), change=("coordinator", "planner")
    ),
    "fixes.fix": AdminModel(
        view=VIEW_ALL,
        add=("coordinator", "planner"),
        change=("coordinator", "planner", "street_department", "parks_department"),
    ),
    "core.municipality": AdminModel(view=VIEW_ALL),
    "layers.district": _crud("planner", view=(*VIEW_ALL, "walk_leader")),
    "layers.streetsegment": _crud("planner", "street_department", view=(*VIEW_ALL, "walk_leader")),
    "layers.streetlamp": _crud("street_department"),
    "layers.luxreading": _crud("street_department"),
    "layers.vegetation": _crud("parks_department"),
    "layers.greenarea": _crud("planner", "parks_department"),
    "layers.camera": _crud("planner"),
    "layers.incident": _crud("coordinator"),
    "layers.property": _crud("coordinator", "planner"),
    # Shared by every municipality: read by staff, changed by superusers only.
    "walks.category": AdminModel(view=(*VIEW_ALL, "walk_leader"), scoped=False),
    "walks.safetywalk": _crud(*FIELD, view=(*VIEW_ALL, "walk_leader")),
    "walks.walkfinding": _crud(*FIELD, view=(*VIEW_ALL, "walk_leader")),
    "walks.walkaudit": _crud(*FIELD, view=(*VIEW_ALL, "walk_leader")),
    "walks.residentpin": _crud("coordinator"),
    # The log of who saw contact details: read only, even for superusers.
    "walks.contactaccess": AdminModel(view=("coordinator",), read_only=True),
    # EST partners and their API keys: the coordinator manages them (deleting is for
    # superusers: a partner's incidents keep it); the keys' use log is read only.
    "core.partner": AdminModel(
        view=("coordinator",), add=("coordinator",), change=("coordinator",)
    ),
    "core.partnerkey": AdminModel(
        view=("coordinator",), add=("coordinator",), change=("coordinator",)
    ),
    "core.partnerkeyuse": AdminModel(view=("coordinator",), read_only=True),
    # The risk calendar's school holidays and events.
    "riskcalendar.calendarentry": _crud("coordinator", "planner"),
    # Presence: the coordinator keeps the partners' capacity and the week plans (planning fills
    # them; the back office shows them read only, their visits inline).
    "presence.presenceresource": _crud("coordinator"),
    "presence.presenceplan": _crud("coordinator"),
}
# Presence measures: every viewer reads them, the coordinator manages them.
ADMIN_MODELS["presence.presencemeasure"] = _crud("coordinator")
# Notices: the coordinator keeps the digest settings; the outbox (addresses and texts) and the
# record of personal-data requests are read only, the latter shared by the installation.
ADMIN_MODELS["notices.noticesettings"] = _crud("coordinator", view=("coordinator",))
ADMIN_MODELS["notices.message"] = AdminModel(view=("coordinator",), read_only=True)
ADMIN_MODELS["notices.personaldatarequest"] = AdminModel(
    view=("coordinator",), read_only=True, scoped=False
)
# Digital walks: every viewer reads them; the coordinator opens and closes campaigns and
# moderates what residents sent (features come only from residents: nobody adds one here).
ADMIN_MODELS["campaigns.campaign"] = _crud("coordinator")
ADMIN_MODELS["campaigns.campaignfeature"] = AdminModel(
    view=VIEW_ALL, change=("coordinator",), delete=("coordinator",)
)


def _as_other(model: AdminModel, roles: tuple[str, ...], if_allowed: Answer) -> Answer:
    """What the other municipality's coordinator gets on this municipality's record."""
    if "coordinator" not in roles:
        return 403
    return ADMIN_INDEX if model.scoped else if_allowed


def _by_role(
    roles: tuple[str, ...], allowed: Answer, *, superuser: bool = True, refused: Answer = 403
) -> dict:
    return {
        NO_SESSION: ADMIN_LOGIN,
        "superuser": allowed if superuser else refused,
        **{actor: allowed if actor in roles else refused for actor in (*ROLES, "no_role")},
    }


def admin_rows(label: str, model: AdminModel) -> list[Row]:
    """The rows of one model's back-office pages: list, add, change, delete, history.

    Add and change are POSTed empty: the permission gate answers 403, or the form comes back
    (200) with its errors and nothing is stored. Delete is POSTed for real.
    """
    app, name = label.split(".")
    prefix = f"admin:{app}_{name}"
    other_history = ADMIN_INDEX if model.scoped else _as_other(model, model.sees, 200)
    writes = not model.read_only  # superusers write
    rows = [
        row(
            f"{prefix}_changelist",
            "GET",
            200,
            {**_by_role(model.sees, 200), OTHER: 200 if "coordinator" in model.sees else 403},
        ),
        row(
            f"{prefix}_add",
            "GET",
            200,
            {
                **_by_role(model.add, 200, superuser=writes),
                OTHER: 200 if "coordinator" in model.add else 403,
            },
        ),
        row(
            f"{prefix}_add",
            "POST",
            200,
            {
                **_by_role(model.add, 200, superuser=writes),
                OTHER: 200 if "coordinator" in model.add else 403,
            },
        ),
        row(
            f"{prefix}_change",
            "GET",
            200,
            {**_by_role(model.sees, 200), OTHER: _as_other(model, model.sees, 200)},
        ),
        row(
            f"{prefix}_change",
            "POST",
            200,
            {
                **_by_role(model.change, 200, superuser=writes),
                OTHER: _as_other(model, model.change, 200),
            },
        ),
        row(
            f"{prefix}_delete",
            "GET",
            200,
            {
                **_by_role(model.delete, 200, superuser=writes),
                OTHER: _as_other(model, model.delete, 200),
            },
        ),
        row(
            f"{prefix}_delete",
            "POST",
            REDIRECT,
            {
                **_by_role(model.delete, REDIRECT, superuser=writes),
                OTHER: _as_other(model, model.delete, REDIRECT),
            },
            changes=True,
        ),
        row(f"{prefix}_history", "GET", 200, {**_by_role(model.sees, 200), OTHER: other_history}),
        # admin/<app>/<model>/<id>/ redirects to the change page for anyone signed in as staff.
        row(
            f"admin/{app}/{name}/<path:object_id>/",
            "GET",
            REDIRECT,
            {NO_SESSION: ADMIN_LOGIN, SIGNED_IN: REDIRECT},
        ),
    ]
    if label == "auth.user":  # a user's password form: who may change users
        rows.append(row(f"{prefix}_password_change", "GET", 200, {**_by_role((), 200), OTHER: 403}))
    # A page nobody may use has no "done" answer.
    return [r if any(map(r.allows, ACTORS)) else replace(r, ok=None) for r in rows]


# Roles with any permission in the walks app see its back-office index.
WALKS_APP = (*VIEWERS, "walk_leader")

ADMIN_SITE_ROWS: list[Row] = [
    row("admin:index", "GET", 200, {NO_SESSION: ADMIN_LOGIN, SIGNED_IN: 200}),
    row(
        "admin:app_list",
        "GET",
        200,
        {NO_SESSION: ADMIN_LOGIN, (*WALKS_APP, OTHER, "superuser"): 200, "no_role": 404},
    ),
    row("admin:login", "GET", 200, {NO_SESSION: 200, SIGNED_IN: ADMIN_INDEX}),
    # Without a session the back office sends even its logout to its index (then the login).
    row("admin:logout", "GET", None, {NO_SESSION: ADMIN_INDEX, SIGNED_IN: 405}),
    row("admin:logout", "POST", 200, {NO_SESSION: ADMIN_INDEX, SIGNED_IN: 200}),
    row("admin:password_change", "GET", 200, {NO_SESSION: ADMIN_LOGIN, SIGNED_IN: 200}),
    row("admin:password_change_done", "GET", 200, {NO_SESSION: ADMIN_LOGIN, SIGNED_IN: 200}),
    row("admin:autocomplete", "GET", None, {NO_SESSION: ADMIN_LOGIN, SIGNED_IN: 403}),
    row("admin:jsi18n", "GET", 200, {NO_SESSION: ADMIN_LOGIN, SIGNED_IN: 200}),
    row("admin:view_on_site", "GET", None, {NO_SESSION: ADMIN_LOGIN, SIGNED_IN: 404}),
    row("admin/(?P<url>.*)$", "GET", None, {NO_SESSION: ADMIN_LOGIN, SIGNED_IN: 404}),
    # Back-office addresses of models that moved to another app: a permanent redirect for
    # anyone (the new page then asks for a login and permission as every admin page does).
    *(
        row(f"^admin/{old_app}/{name}/", "GET", None, {EVERYONE: 301})
        for old_app, name in (
            ("layers", "municipality"),
            ("trygg", "analysisrun"),
            ("trygg", "fix"),
        )
    ),
]


def all_rows() -> list[Row]:
    """Every row: the app's routes, the back office's site pages and its model pages."""
    rows = [*ROWS, *ADMIN_SITE_ROWS]
    for label, model in ADMIN_MODELS.items():
        rows.extend(admin_rows(label, model))
    return rows


# --- the tables of docs/security.md ------------------------------------------------------------

HEADERS = {
    "anonymous": "visitor",
    "resident": "resident",
    "participant": "walk participant",
    "coordinator": "coordinator",
    "planner": "planner",
    "street_department": "street dept.",
    "parks_department": "parks dept.",
    "walk_leader": "walk leader",
    "analyst": "analyst",
    "partner": "partner",
    "no_role": "staff, no role",
    "other_municipality": "other municipality",
    "superuser": "superuser",
}


def _cell(rows: list[Row], actor: str) -> str:
    allowed = [r.allows(actor) for r in rows]
    if all(allowed):
        return "yes"
    if not any(allowed):
        return "no"
    return "own only" if actor == OTHER else "some"


def summary_table() -> str:
    """Actions × actors as a Markdown table: "yes" where every row of the action is done."""
    lines = [
        "| action | " + " | ".join(HEADERS[a] for a in ACTORS) + " |",
        "|---|" + "---|" * len(ACTORS),
    ]
    for action in ACTIONS:
        rows = [r for r in ROWS if r.action == action]
        lines.append(f"| {action} | " + " | ".join(_cell(rows, a) for a in ACTORS) + " |")
    contact = " | ".join("yes" if a in CONTACT_DETAILS_SHOWN_TO else "no" for a in ACTORS)
    lines.append(f"| See residents' contact details | {contact} |")
    return "\n".join(lines)


def admin_table() -> str:
    """Back-office models × roles as a Markdown table of v(iew) a(dd) c(hange) d(elete)."""
    lines = [
        "| model | " + " | ".join(HEADERS[r] for r in ROLES) + " |",
        "|---|" + "---|" * len(ROLES),
    ]
    for label, model in ADMIN_MODELS.items():
        cells = []
        for role in ROLES:
            letters = "".join(
                letter
                for letter, roles in (
                    ("v", model.sees),
                    ("a", model.add),
                    ("c", model.change),
                    ("d", model.delete),
                )
                if role in roles
            )
            cells.append(letters or "–")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


# Analysis jobs (gis.jobs): the work list's recompute is a background task; its page and status
# (JSON) are seen by who may recompute, for a municipality they work for.
_RECOMPUTE_TASK = {NO_SESSION: LOGIN, RECOMPUTERS: 200, NOT_RECOMPUTERS: 403, OTHER: 404}
ROWS += [
    row("jobs:task", "GET", 200, _RECOMPUTE_TASK, RECOMPUTE),
    row("jobs:task", "POST", None, {EVERYONE: 405}),
    row("jobs:task-status", "GET", 200, _RECOMPUTE_TASK, RECOMPUTE),
    row("jobs:task-status", "POST", None, {EVERYONE: 405}),
]
