"""Digital walks' results as candidate stops of the walk planner (gis.walkplan).

What residents named in digital walks of an area becomes places to visit on the next physical
walk: each published point, each most-named place (points within 50 m of each other and the
middles of avoided ways and places near them, gis.campaigns.summary.clusters) and the middle of
each avoided way. Only published features count, of closed campaigns and of open ones (an open
campaign's published places are already moderated; the planner of an evening walk should not
wait for the campaign to end). Their value is the number of answers that name the place, with
answers of the walk's time of day counted in full and others at half.
"""

from __future__ import annotations

from django.contrib.gis.geos import Point
from django.utils import timezone
from django.utils.translation import gettext as _

from gis.campaigns.models import CampaignFeature
from gis.core.lazy import lazy_attribute, lazy_module
from gis.core.vocabulary import WhenUnsafe

gpd = lazy_module("geopandas")
clusters = lazy_attribute("gis.campaigns.summary", "clusters")
anchor_points = lazy_attribute("gis.campaigns.summary", "anchor_points")

OTHER_TIME_WEIGHT = 0.5
MAX_COMMENTS = 5


def _features(municipality, area, time_of_day: str):
    today = timezone.localdate()
    queryset = (
        CampaignFeature.objects.filter(
            response__campaign__municipality=municipality,
            response__campaign__starts_on__lte=today,
            status=CampaignFeature.Moderation.PUBLISHED,
        )
        .select_related("category", "response__campaign")
        .prefetch_related("photos")
        .order_by("id")
    )
    if area is not None:
        queryset = queryset.filter(geom__intersects=area)
    return list(queryset)


def _weight(feature: CampaignFeature, time_of_day: str) -> float:
    if not feature.when or feature.when == time_of_day:
        return 1.0
    return OTHER_TIME_WEIGHT


def stop_candidates(municipality, area, time_of_day: str) -> list[dict]:
    """Candidate stops from digital walks in `area` (a storage-CRS polygon, or None for the
    whole municipality) for a walk at `time_of_day` (day, evening, night).

    Each is ``{"kind": "campaign", "ref_id": feature id, "geom": Point (storage CRS),
    "value": float, "why": str, "look_at": str, "comments": [str], "photos": [url]}``, the most
    valuable first (ties by feature id), one per place: a place named by several answers is
    one candidate whose `ref_id` is its first feature.
    """
    features = _features(municipality, area, time_of_day)
    if not features:
        return []
    frame = gpd.GeoDataFrame(
        {"kind": [f.kind for f in features]},
        geometry=gpd.GeoSeries.from_wkb([bytes(f.geom.wkb) for f in features]),
    )
    anchors = anchor_points(frame)
    labels = clusters(anchors).tolist()
    whens = dict(WhenUnsafe.choices)
    groups: dict[int, list[int]] = {}
    for index, label in enumerate(labels):
        groups.setdefault(label, []).append(index)
    srid = features[0].geom.srid
    result = []
    for members in groups.values():
        chosen = [features[i] for i in members]
        first = chosen[0]
        x = float(sum(anchors.iloc[i].x for i in members) / len(members))
        y = float(sum(anchors.iloc[i].y for i in members) / len(members))
        answers = len({f.response_id for f in chosen})
        value = sum(_weight(f, time_of_day) for f in chosen)
        words = [f.comment for f in chosen if f.comment]
        categories = [str(f.category.name) for f in chosen if f.category_id]
        title = first.response.campaign.title
        when = whens.get(time_of_day, time_of_day)
        quoted = f"'{words[0][:40]}'" if words else (categories[0] if categories else "")
        why = _("Digital walk %(title)s: %(n)d answers, %(quote)s, %(when)s") % {
            "title": title,
            "n": answers,
            "quote": quoted,
            "when": str(when).lower(),
        }
        kinds = {f.kind for f in chosen}
        look_at = []
        if CampaignFeature.Kind.AVOIDED_WAY in kinds or CampaignFeature.Kind.AVOIDED_PLACE in kinds:
            look_at.append(_("Why do people avoid this way or place? Is there another way?"))
        if categories:
            look_at.append(_("Look at: %(what)s.") % {"what": ", ".join(dict.fromkeys(categories))})
        result.append(
            {
                "kind": "campaign",
                "ref_id": first.pk,
                "geom": Point(x, y, srid=srid),
                "value": float(value),
                "why": why,
                "look_at": " ".join(look_at),
                "comments": words[:MAX_COMMENTS],
                "photos": [p.image.url for f in chosen for p in f.photos.all() if p.image],
            }
        )
    result.sort(key=lambda c: (-c["value"], c["ref_id"]))
    return result
