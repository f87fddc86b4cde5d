"""Planning a week of presence visits.

PLACEHOLDER: this module only gets or creates the week's :class:`PresencePlan` and plans no
visits. The real planner (the top places by expected harm in each team's window, travel time on
the street network, at most one visit per place about every two hours, reproducible with
``seed``) replaces this file at merge, with the same signature.
"""

from __future__ import annotations

from gis.core.models import Municipality
from gis.presence.models import PresencePlan


def plan_week(municipality: Municipality, week: str, *, seed: int = 0, user=None) -> PresencePlan:
    """The plan of `municipality` for the ISO `week` ("2026-W50"), made if missing.

    Placeholder: no visits are planned (see the module's docstring).
    """
    plan, created = PresencePlan.objects.get_or_create(
        municipality=municipality,
        week=week,
        defaults={"seed": seed, "created_by": user if getattr(user, "pk", None) else None},
    )
    if not created and plan.seed != seed:
        plan.seed = seed
        plan.save(update_fields=["seed"])
    return plan
