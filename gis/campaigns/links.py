"""Links from a resident report's tracking page to the public results of the digital walks
whose points became that report (the coordinator's "make a resident report of it")."""

from __future__ import annotations

from django.urls import reverse

from gis.campaigns.models import Campaign


def result_links_for_pin(pin) -> list[tuple[str, str]]:
    """(title, URL path) of the results page of each campaign one of whose features became
    `pin`, oldest campaign first."""
    campaigns = (
        Campaign.objects.filter(responses__features__pin=pin).distinct().order_by("starts_on", "id")
    )
    return [(c.title, reverse("campaigns:results", args=[c.slug])) for c in campaigns]
