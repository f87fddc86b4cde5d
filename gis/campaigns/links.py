"""Links from a resident report's tracking page to the public results of the digital walks
whose points became that report (the coordinator's "make a resident report of it")."""

from __future__ import annotations

from django.urls import reverse

from gis.campaigns.models import Campaign


def closed_results_of_pin(pin) -> list[dict]:
    """The results pages of the CLOSED campaigns one of whose features became `pin`, for the
    report's tracking page (walks.public_results.OTHER_RESULTS): ``title``, ``date`` (the last
    day) and ``url`` each."""
    campaigns = (
        Campaign.objects.filter(responses__features__pin=pin).distinct().order_by("starts_on", "id")
    )
    return [
        {"title": c.title, "date": c.ends_on, "url": reverse("campaigns:results", args=[c.slug])}
        for c in campaigns
        if c.status_on() == "closed"
    ]
