"""What a walk's join code opens: the walk while it is planned or in progress, nothing after.

Knowing the code is what lets a phone read and add to a walk (the walk app page, the field API,
the service worker's cached data). Once the walk is closed, its code answers 404 on every route
that takes one without a login, as an unknown code does; leaders and staff keep the closed walk
through their signed-in pages (`walks.views.leader`: the walk's page, summary and exports), which
look it up within their municipalities instead.

`PUBLIC_RESULTS_OF_CLOSED_WALKS` lets a closed walk's code open its public results page
(gis.walkplan's results page asks for it; nothing else does): what was found, without personal
data, and what became of it.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from walks.models import SafetyWalk

PUBLIC_RESULTS_OF_CLOSED_WALKS = True


def answers_code(walk: SafetyWalk, *, public_results: bool = False) -> bool:
    """Whether the walk still answers its join code: open walks do, closed ones not (unless the
    public results page asks and publishing results is on)."""
    if walk.status != SafetyWalk.Status.CLOSED:
        return True
    return public_results and PUBLIC_RESULTS_OF_CLOSED_WALKS


def walk_by_code(
    code: str, queryset: QuerySet | None = None, *, public_results: bool = False
) -> SafetyWalk:
    """The open walk with this join code (any case), else Http404 (unknown or closed)."""
    walks = queryset if queryset is not None else SafetyWalk.objects.all()
    walk = walks.filter(join_code=code.upper()).first()
    if walk is None or not answers_code(walk, public_results=public_results):
        raise Http404("No open walk has this code.")
    return walk
