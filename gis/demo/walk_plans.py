"""Walk plans of the demo: the open walk planned through the residents' reports, and the
latest closed walk of its district planned and visited, so that its public results page has
stops to show.

Both are planned with the walk planner (:func:`gis.walkplan.planning.plan_walk`) from the
loaded data only, 90 minutes at 4 km/h in the walk's district and time of day, dated at the
walk's start: the same data give the same plans. A walk that has stops is left as it is (the
demo's leader may have planned it again).
"""

from __future__ import annotations

from gis.core.models import Municipality
from walks.models import SafetyWalk

#: The time budget of the demo's plans (minutes).
MINUTES = 90


def _plan(walk: SafetyWalk) -> bool:
    from gis.walkplan.planning import PlanError, plan_walk, save_plan

    if walk.stops.exists() or walk.district_id is None:
        return False
    try:
        plan = plan_walk(
            walk.municipality,
            district=walk.district,
            minutes=MINUTES,
            time_of_day=walk.time_of_day,
            now=walk.starts_at,
        )
    except PlanError:
        return False
    if not plan.stops:
        return False
    save_plan(walk, plan)
    return True


def plan_demo_walks(municipality: Municipality, open_walk: SafetyWalk) -> int:
    """Plan the open walk and the latest closed walk of its district (the one whose results
    the demo publishes); the closed walk's first half of stops is ticked, as if the walk had
    been there. Returns how many walks were planned now."""
    planned = int(_plan(open_walk))
    closed = (
        SafetyWalk.objects.filter(
            municipality=municipality,
            district=open_walk.district,
            status=SafetyWalk.Status.CLOSED,
        )
        .order_by("-starts_at", "pk")
        .first()
    )
    if closed is not None and _plan(closed):
        planned += 1
        stops = list(closed.stops.order_by("order"))
        for stop in stops[: (len(stops) + 1) // 2]:
            stop.ticked_at = closed.starts_at
            stop.save(update_fields=["ticked_at"])
    return planned
