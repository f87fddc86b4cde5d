"""The header's navigation by role: each link is shown only to users its view lets in.

The rules are the views' own permission checks, imported, not restated: the map and the
situation picture (:func:`gis.dashboard.access.can_view`), the work list
(:func:`gis.fixes.workflow.can_view`), the walk leader pages (:func:`walks.views.leader.is_leader`),
the import page (:func:`layers.importaccess.can_import`), the presence page
(:func:`gis.presence.access.can_view`), the back office (the admin site's
``has_permission``), the shift report (membership of an EST partner,
:func:`gis.core.partners.partners_of`); the resident report is for everyone.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from gis.core.partners import partners_of
from gis.dashboard import access
from gis.fixes import workflow
from gis.presence import access as presence_access
from layers.importaccess import can_import
from walks.views.leader import is_leader

register = template.Library()


@dataclass(frozen=True)
class NavLink:
    """One header link: its key (also its element id, ``nav-<key>``), label, address and
    whether it is the current section."""

    key: str
    label: str
    url: str
    current: bool


def _section(request: HttpRequest) -> str:
    """The section of the current page: the link key it belongs to, "" for none."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    namespace, name = match.namespace, match.url_name
    if namespace == "dashboard":
        return "situation" if (name or "").startswith("situation") else "map"
    if namespace == "fixes":
        return "fixes"
    if namespace == "imports":
        return "import"
    if namespace == "presence":
        return "presence"
    if namespace == "walks":
        if name in {"shift-report", "shift-mine"}:
            return "shift"
        return "report" if name in {"report", "track"} else "walks"
    if namespace.startswith("admin"):
        return "admin"
    return ""


def links_for(request: HttpRequest) -> list[NavLink]:
    """The header links `request.user` may use, in the header's order."""
    user = getattr(request, "user", None)  # none before the authentication middleware
    if user is None:
        return [NavLink("report", _("Report"), reverse("walks:report"), False)]
    candidates = [
        ("map", _("Map"), "dashboard:map", access.can_view(user)),
        ("situation", _("Situation picture"), "dashboard:situation", access.can_view(user)),
        ("fixes", _("Fixes"), "fixes:list", workflow.can_view(user)),
        ("walks", _("Walks"), "walks:list", is_leader(user)),
        ("shift", _("Shift report"), "walks:shift-report", partners_of(user).exists()),
        ("presence", _("Presence"), "presence:page", presence_access.can_view(user)),
        ("report", _("Report"), "walks:report", True),
        ("import", _("Import"), "imports:upload", can_import(user)),
        ("admin", _("Back office"), "admin:index", admin.site.has_permission(request)),
    ]
    section = _section(request)
    return [
        NavLink(key, label, reverse(name), key == section)
        for key, label, name, allowed in candidates
        if allowed
    ]


@register.simple_tag(takes_context=True)
def nav_links(context) -> list[NavLink]:
    """``{% nav_links as links %}``: the header links of the page's user (none without a
    request, e.g. a template rendered outside a view)."""
    request = context.get("request")
    return links_for(request) if request is not None else []
