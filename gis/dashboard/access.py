"""Who may see and change what on the dashboard, from the roles in `gis.core.roles`.

* Viewing the map, the counts, the fixes and the situation picture needs the view permissions
  of the staff roles (coordinator, planner, street and parks departments, analyst). Walk
  leaders work in the field app only: they lack `walks.view_residentpin` and are refused.
* Triage of resident pins (status, category, linked fix, public answer) needs
  `walks.change_residentpin`: the coordinator.
* Changing a fix's status needs `fixes.change_fix` and follows the fix workflow
  (:mod:`gis.fixes.workflow`): coordinators and planners (and superusers) change every fix, the
  street and parks departments only their own department's fixes.
* Residents' contact details need `walks.view_contact_details` (the coordinator).
* Everything is limited to the municipalities the user works for (:mod:`gis.core.tenancy`): another
  municipality's code is an unknown filter value (400), its objects are not found (404).
"""

from __future__ import annotations

from django.views.decorators.http import require_safe
from drf_spectacular.authentication import SessionScheme as _SpectacularSessionScheme
from rest_framework import authentication, permissions

from gis.core import tenancy
from gis.core.models import Municipality
from gis.core.pages import signed_in_with
from gis.dashboard.filters import municipality_among, municipality_from
from gis.fixes import workflow

VIEW_PERMISSIONS = ("walks.view_residentpin", "walks.view_walkfinding", "fixes.view_fix")
TRIAGE_PERMISSION = "walks.change_residentpin"
FIX_PERMISSION = "fixes.change_fix"
CONTACT_PERMISSION = "walks.view_contact_details"


def can_view(user) -> bool:
    """Whether `user` may open the dashboard and the situation picture."""
    return bool(user and user.is_authenticated and user.has_perms(VIEW_PERMISSIONS))


def can_triage(user) -> bool:
    """Whether `user` may triage resident pins."""
    return can_view(user) and user.has_perm(TRIAGE_PERMISSION)


def can_see_contacts(user) -> bool:
    """Whether `user` may see residents' contact details."""
    return can_view(user) and user.has_perm(CONTACT_PERMISSION)


def fix_departments(user) -> frozenset[str] | None:
    """Departments whose fixes `user` may change: None for all, an empty set for none.

    The fix workflow's rule (:func:`gis.fixes.workflow.departments_of`) for dashboard users.
    """
    if not can_view(user):
        return frozenset()
    return workflow.departments_of(user)


def can_change_fix(user, fix) -> bool:
    """Whether `user` may change the status of `fix` (the fix workflow's rule)."""
    return can_view(user) and user.has_perm(FIX_PERMISSION) and workflow.can_change(user, fix)


def user_municipality(params, user) -> Municipality:
    """The municipality the `municipality` parameter names among those `user` works for, else
    the first of them; raises :class:`gis.dashboard.filters.FilterError` otherwise. No query
    when the memberships were read with the user (gis.core.requestuser)."""
    known = tenancy.memberships(user)
    if known is not None:
        return municipality_among(params, known)
    return municipality_from(params, among=tenancy.municipalities(user))


def staff_page(view):
    """Page decorator: pages only read (GET, HEAD; else 405), anonymous users go to the login
    page, other roles get 403."""

    return require_safe(signed_in_with(can_view)(view))


class SessionAuthentication(authentication.SessionAuthentication):
    """Django's session, answering 401 (not 403) to requests without one."""

    def authenticate_header(self, request) -> str:
        return 'Session realm="trygg"'


class CanViewDashboard(permissions.BasePermission):
    """Read access for the staff roles; writes are checked per endpoint."""

    message = "Your role has no access to the dashboard."

    def has_permission(self, request, view) -> bool:
        return can_view(request.user)


class CanTriage(permissions.BasePermission):
    """Pin triage: the coordinator."""

    message = "Only the safety coordinator triages resident pins."

    def has_permission(self, request, view) -> bool:
        return can_triage(request.user)


class CanChangeFixes(permissions.BasePermission):
    """Fix status changes: roles with `fixes.change_fix`; the department is checked per fix."""

    message = "Your role may not change fixes."

    def has_permission(self, request, view) -> bool:
        return can_view(request.user) and request.user.has_perm(FIX_PERMISSION)

    def has_object_permission(self, request, view, obj) -> bool:
        return can_change_fix(request.user, obj)


class SessionScheme(_SpectacularSessionScheme):
    """Documents the dashboard's session authentication in the OpenAPI schema."""

    target_class = SessionAuthentication
    name = "dashboardSession"
