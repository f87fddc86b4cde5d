"""Pages of digital walks.

Public (no login, Swedish and English): the answer page at the campaign's link
(/trygghetsvandring/<slug>/, /en/safety-walk/<slug>/) and, once it is closed, its results
(…/resultat/, …/results/): published text only, the municipality's decision, the live status of
the resident reports made of it and of their fixes.

Staff (gis.campaigns.access): the list (/digitala-vandringar/, /en/digital-walks/), a campaign's
page with its link, QR code, live counts and summary, the A4 poster and the exports. Opening,
closing and moderating are done in the back office.
"""

from __future__ import annotations

import json
from functools import wraps

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from gis.campaigns import access
from gis.campaigns.export import EXPORTERS, FORMATS
from gis.campaigns.models import (
    SCALE_MAX,
    SCALE_MIN,
    Campaign,
    CampaignFeature,
    question_text,
)
from gis.core.api.fields import to_wgs84
from gis.core.lazy import lazy_attribute
from gis.core.pages import signed_in_with
from gis.core.vocabulary import WhenUnsafe
from walks.views.pages import _bounds, _categories, _map_settings

campaign_summary = lazy_attribute("gis.campaigns.results", "campaign_summary")
qrcode = lazy_attribute("qrcode", "make")
SvgPathImage = lazy_attribute("qrcode.image.svg", "SvgPathImage")


def public_link(request: HttpRequest, campaign: Campaign) -> str:
    return request.build_absolute_uri(reverse("campaigns:answer", args=[campaign.slug]))


def _questions(campaign: Campaign) -> list[dict]:
    return [
        {"key": q["key"], "kind": q["kind"], "text": question_text(q)} for q in campaign.questions
    ]


def _area(campaign: Campaign) -> dict | None:
    region = campaign.region
    return None if region is None else json.loads(to_wgs84(region).geojson)


def answer_strings() -> dict[str, str]:
    """Texts the answer page shows from JavaScript, in the active language."""
    return {
        "tapPoint": _("Tap the map where the place is (or move the map and press Enter)."),
        "tapWay": _("Tap the map along the way you avoid, point by point; then press Finish."),
        "tapArea": _(
            "Tap the map around the place you avoid, at least three points; then press Finish."
        ),
        "needTwo": _("A way needs at least two points."),
        "needThree": _("An area needs at least three points."),
        "outside": _("That is outside the area of this digital walk."),
        "pickCategory": _("Pick what makes the place feel unsafe."),
        "pickWhen": _("Pick when it feels unsafe."),
        "point": _("Place"),
        "way": _("A way I avoid"),
        "area": _("A place I avoid"),
        "remove": _("Remove"),
        "nothing": _("Mark at least one place or answer a question."),
        "sending": _("Sending…"),
        "queued": _("Saved on this phone; it is sent as soon as there is a connection."),
        "error": _("Something went wrong. Please try again."),
        "added": _("%(n)s added"),
    }


@never_cache
@require_safe
def answer(request: HttpRequest, slug: str) -> HttpResponse:
    """The public answer page: intro, a map to mark places, avoided ways and places, the
    questions and an optional e-mail. Closed: 410 with a link to the results."""
    campaign = get_object_or_404(
        Campaign.objects.select_related("district", "municipality"), slug=slug
    )
    state = campaign.status
    if state == Campaign.Status.CLOSED:
        return render(request, "campaigns/closed.html", {"campaign": campaign}, status=410)
    area = _area(campaign)
    config = {
        "bounds": _bounds(campaign.region),
        "area": area,
        "api": {
            "responses": reverse("campaigns_api:responses", args=[campaign.slug]),
            "photos": reverse(
                "campaigns_api:response-photos",
                args=[campaign.slug, "00000000-0000-0000-0000-000000000000"],
            ),
        },
        "map": _map_settings(),
        "strings": answer_strings(),
        "slug": campaign.slug,
    }
    context = {
        "campaign": campaign,
        "open": state == Campaign.Status.OPEN,
        "config": config,
        "categories": _categories(),
        "whens": WhenUnsafe.choices,
        "questions": _questions(campaign),
        "scale": list(range(SCALE_MIN, SCALE_MAX + 1)),
    }
    return render(request, "campaigns/answer.html", context)


def _status_rows(campaign: Campaign) -> list[dict]:
    """Each published point or feature that became a resident report, with the report's live
    status and the status of the fixes made from it."""
    features = (
        CampaignFeature.objects.filter(
            response__campaign=campaign, status=CampaignFeature.Moderation.PUBLISHED
        )
        .select_related("category", "pin")
        .prefetch_related("pin__fixes")
        .order_by("response__submitted_at", "id")
    )
    rows = []
    for feature in features:
        pin = feature.pin
        fixes = list(pin.fixes.all()) if pin is not None else []
        rows.append(
            {
                "feature": feature,
                "pin": pin,
                "fixes": [
                    {"title": fix.get_fix_type_display(), "status": fix.get_status_display()}
                    for fix in fixes
                ],
            }
        )
    rows.sort(key=lambda row: row["pin"] is None)  # the points that became reports first
    return rows


@never_cache
@require_safe
def results(request: HttpRequest, slug: str) -> HttpResponse:
    """The public results of a closed campaign (before it closes: when they will come)."""
    campaign = get_object_or_404(
        Campaign.objects.select_related("district", "municipality"), slug=slug
    )
    closed = campaign.status == Campaign.Status.CLOSED
    context = {"campaign": campaign, "closed": closed}
    if closed:
        summary = campaign_summary(campaign, published_only=True)
        context.update(
            summary=summary,
            rows=_status_rows(campaign),
            config={
                "bounds": _bounds(campaign.region),
                "area": _area(campaign),
                "map": _map_settings(),
                "layers": summary["map"],
            },
        )
    return render(request, "campaigns/results.html", context)


def staff_page(view):
    """Anonymous users go to the login page, users who may not see digital walks get 403, a
    campaign of another municipality is not found."""

    @signed_in_with(access.can_view)
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if "slug" in kwargs:
            kwargs["campaign"] = get_object_or_404(
                access.campaigns(request.user), slug=kwargs.pop("slug")
            )
        return view(request, *args, **kwargs)

    return wrapper


@require_safe
@staff_page
def campaign_list(request: HttpRequest) -> HttpResponse:
    """The campaigns of the user's municipalities with their state and number of answers."""
    campaigns = access.campaigns(request.user).order_by("-starts_on", "-id")
    rows = [
        {"campaign": c, "answers": c.responses.count(), "status": c.get_status_display()}
        for c in campaigns
    ]
    context = {"rows": rows, "may_add": request.user.has_perm("campaigns.add_campaign")}
    return render(request, "campaigns/list.html", context)


@require_safe
@staff_page
def detail(request: HttpRequest, campaign: Campaign) -> HttpResponse:
    """A campaign's staff page: link, QR code, poster, live counts, summary, exports."""
    summary = campaign_summary(campaign, published_only=False)
    moderation = {
        state: CampaignFeature.objects.filter(response__campaign=campaign, status=state).count()
        for state in CampaignFeature.Moderation.values
    }
    context = {
        "campaign": campaign,
        "link": public_link(request, campaign),
        "summary": summary,
        "moderation": moderation,
        "may_moderate": access.can_moderate(request.user),
        "formats": list(FORMATS),
        "config": {
            "bounds": _bounds(campaign.region),
            "area": _area(campaign),
            "map": _map_settings(),
            "layers": summary["map"],
        },
    }
    return render(request, "campaigns/detail.html", context)


@require_safe
@staff_page
def poster(request: HttpRequest, campaign: Campaign) -> HttpResponse:
    """An A4 poster for notice boards: title, intro, dates, the QR code and the link."""
    context = {"campaign": campaign, "link": public_link(request, campaign)}
    return render(request, "campaigns/poster.html", context)


@require_safe
@staff_page
def qr(request: HttpRequest, campaign: Campaign) -> HttpResponse:
    """The QR code of the campaign's public link as SVG."""
    image = qrcode(public_link(request, campaign), image_factory=SvgPathImage, border=2)
    return HttpResponse(image.to_string(), content_type="image/svg+xml")


@require_safe
@staff_page
def export(request: HttpRequest, campaign: Campaign, fmt: str) -> HttpResponse:
    """Download the published features (GeoJSON, CSV, GeoPackage); `?all=1` gives a
    coordinator every feature with its moderation status."""
    if fmt not in EXPORTERS:
        raise Http404
    everything = request.GET.get("all") == "1" and access.can_moderate(request.user)
    body = EXPORTERS[fmt](campaign, published_only=not everything)
    response = HttpResponse(body, content_type=FORMATS[fmt])
    name = f"digital-walk-{campaign.slug}{'-all' if everything else ''}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
