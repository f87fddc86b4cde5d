"""The database's layers as GeoDataFrames, with filters, in the storage CRS."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from gis import frames
from walks.models import ResidentPin


def test_layers_have_the_engine_columns_and_crs(demo):
    expected = {
        "segments": {"id", "osm_id", "u", "v", "highway", "lit", "length_m"},
        "green_areas": {"id", "name"},
        "lamps": {"id", "status"},
        "lux": {"id", "lux", "measured_at"},
        "vegetation": {"id", "kind", "height_m", "blocks_sightline"},
        "cameras": {"id", "direction_deg", "fov_deg", "range_m"},
        "pins": {"id", "category", "when", "created_at", "votes", "status"},
        "findings": {"id", "category", "severity", "when", "created_at"},
        "incidents": {"id", "type", "source", "occurred_at", "occurred_to"},
    }
    for name, columns in expected.items():
        result = getattr(frames, name)(demo)
        assert columns <= set(result.columns), name
        assert result.crs.to_epsg() == settings.TRYGG_SRID, name
        assert len(result) > 0, name


def test_pin_filters_match_the_orm(demo):
    since = timezone.now() - timedelta(days=180)
    result = frames.pins(demo, since=since, categories=["lighting"], when=["evening"])
    expected = ResidentPin.objects.filter(
        municipality=demo, reported_at__gte=since, category__code="lighting", when="evening"
    ).count()
    assert len(result) == expected > 0
    assert set(result["category"]) == {"lighting"}


def test_pins_never_carry_personal_data(demo):
    result = frames.pins(demo)
    assert not {"contact", "email", "phone", "name", "tracking_token"} & set(result.columns)


def test_untagged_lit_is_none(demo):
    segments = frames.segments(demo)
    assert segments["lit"].isna().sum() > 500
    assert "" not in set(segments["lit"].dropna())


def test_incidents_carry_the_end_of_their_span(demo):
    from datetime import UTC, datetime

    from layers.models import Incident

    first, second = Incident.objects.filter(municipality=demo).order_by("pk")[:2]
    Incident.objects.filter(pk=first.pk).update(
        occurred_at=datetime(2026, 3, 12, 21, tzinfo=UTC),
        occurred_to=datetime(2026, 3, 13, 5, tzinfo=UTC),
    )
    Incident.objects.filter(pk=second.pk).update(occurred_to=None)
    result = frames.incidents(demo).set_index("id")
    assert str(result["occurred_to"].dt.tz) == "UTC"  # a datetime column, not objects
    assert result.loc[first.pk, "occurred_to"] == datetime(2026, 3, 13, 5, tzinfo=UTC)
    assert result.loc[first.pk, "occurred_at"] == datetime(2026, 3, 12, 21, tzinfo=UTC)
    assert result["occurred_to"].isna()[second.pk]
