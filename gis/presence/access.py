"""Who may see, plan and log what in presence work, from the roles in `gis.core.roles`.

* Seeing the presence page, the plans and the team lists needs `presence.view_plannedvisit`:
  every role that views all layers, EST partners' members included (read only).
* Adding and removing resources needs `presence.add_presenceresource` and
  `presence.delete_presenceresource`; planning a week needs `presence.add_presenceplan`: the
  coordinator.
* Logging a visit (done / not done, a note) needs `presence.log_visit`. Who has
  `presence.change_plannedvisit` (the coordinator) logs every visit of their municipalities; an
  EST partner's member only the visits of its partner's resources (another team's visit: 403).
* Everything is limited to the municipalities the user works for (:mod:`gis.core.tenancy`):
  another municipality's visit is not found (404).
"""

from __future__ import annotations

from django.db.models import QuerySet

from gis.core import tenancy
from gis.presence.models import PlannedVisit, PresencePlan, PresenceResource

VIEW_PERMISSION = "presence.view_plannedvisit"
MANAGE_PERMISSIONS = ("presence.add_presenceresource", "presence.delete_presenceresource")
PLAN_PERMISSION = "presence.add_presenceplan"
LOG_PERMISSION = "presence.log_visit"
LOG_ALL_PERMISSION = "presence.change_plannedvisit"


def _signed_in(user) -> bool:
    return bool(user and user.is_authenticated)


def can_view(user) -> bool:
    """Whether `user` may open the presence page, the plans and the team lists."""
    return _signed_in(user) and user.has_perm(VIEW_PERMISSION)


def can_manage(user) -> bool:
    """Whether `user` may add and remove presence resources."""
    return can_view(user) and user.has_perms(MANAGE_PERMISSIONS)


def can_plan(user) -> bool:
    """Whether `user` may plan a week."""
    return can_view(user) and user.has_perm(PLAN_PERMISSION)


def can_log(user) -> bool:
    """Whether `user` may log visits (which ones: :func:`may_log`)."""
    return _signed_in(user) and user.has_perm(LOG_PERMISSION)


def resources(user) -> QuerySet[PresenceResource]:
    """The resources of the municipalities `user` works for."""
    return tenancy.scope(PresenceResource.objects.select_related("partner"), user)


def plans(user) -> QuerySet[PresencePlan]:
    """The plans of the municipalities `user` works for."""
    return tenancy.scope(PresencePlan.objects.all(), user)


def visible_visits(user) -> QuerySet[PlannedVisit]:
    """The visits of the municipalities `user` works for (what 404s when asked for by id)."""
    visits = PlannedVisit.objects.select_related("plan", "resource", "resource__partner")
    return tenancy.scope(visits, user, "plan__municipality")


def may_log(user, visit: PlannedVisit) -> bool:
    """Whether `user` may log `visit` (one of :func:`visible_visits`)."""
    if not can_log(user):
        return False
    if user.is_superuser or user.has_perm(LOG_ALL_PERMISSION):
        return True
    partner = visit.resource.partner
    return partner is not None and partner.members.filter(pk=user.pk).exists()


def loggable_visits(user) -> QuerySet[PlannedVisit]:
    """The visits `user` logs on the phone: all of their municipalities' for coordinators,
    their partners' teams' for EST partners' members, none without the log permission."""
    visits = visible_visits(user)
    if not can_log(user):
        return visits.none()
    if user.is_superuser or user.has_perm(LOG_ALL_PERMISSION):
        return visits
    return visits.filter(resource__partner__members=user)
