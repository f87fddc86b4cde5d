"""Follow-up figures of the demo's done lamp repair equal counts taken straight from the ORM."""

from __future__ import annotations

import math

import pytest
from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.measure import D
from django.db.models import Min

from gis.fixes.followup import AUDIT_RADIUS_M, fix_followup
from gis.fixes.models import Fix
from gis.fixes.persist import default_params
from layers.models import Incident, LuxReading, StreetSegment
from walks.models import ResidentPin, WalkAudit, WalkFinding


@pytest.fixture
def done_fix(demo) -> Fix:
    return Fix.objects.select_related("segment").get(municipality=demo, status=Fix.Status.DONE)


def _snapped_here(queryset, fix, tolerance_m):
    """Rows whose nearest street segment (PostGIS distance, ties included) is the fix's."""
    segments = StreetSegment.objects.filter(municipality=fix.municipality)
    out = []
    for row in queryset.filter(geom__dwithin=(fix.segment.geom, D(m=tolerance_m))):
        nearest = (
            segments.filter(geom__dwithin=(row.geom, D(m=tolerance_m)))
            .annotate(d=Distance("geom", row.geom))
            .aggregate(m=Min("d"))["m"]
        )
        if row.geom.distance(fix.segment.geom) <= nearest.m + 1e-6:
            out.append(row)
    return out


def _window(queryset, field, window):
    start, end = window
    return queryset.filter(**{f"{field}__gte": start, f"{field}__lt": end})


def test_followup_counts_equal_the_orm(done_fix):
    followup = fix_followup(done_fix)
    params = default_params(done_fix.municipality)
    tolerance, lux_tolerance = params.snap_tolerance_m, params.lux_tolerance_m
    assert followup.before[1] == followup.after[0] == done_fix.done_at
    assert followup.before[1] - followup.before[0] == followup.after[1] - followup.after[0]
    pins = ResidentPin.objects.filter(municipality=done_fix.municipality).exclude(
        status="closed_duplicate"
    )
    incidents = Incident.objects.filter(municipality=done_fix.municipality)
    lux = LuxReading.objects.filter(municipality=done_fix.municipality)
    audits = WalkAudit.objects.filter(
        municipality=done_fix.municipality,
        geom__dwithin=(done_fix.geom, D(m=AUDIT_RADIUS_M)),
    )
    for side, window in (("before", followup.before), ("after", followup.after)):
        expected = len(_snapped_here(_window(pins, "reported_at", window), done_fix, tolerance))
        assert followup.by_source.loc["pins", f"n_{side}"] == expected, side
        expected = len(
            _snapped_here(_window(incidents, "occurred_at", window), done_fix, tolerance)
        )
        assert followup.by_source.loc["incidents", f"n_{side}"] == expected, side
        readings = _snapped_here(_window(lux, "measured_at", window), done_fix, lux_tolerance)
        assert followup.table.loc["mean_lux", f"n_{side}"] == len(readings)
        mean = sum(r.lux for r in readings) / len(readings) if readings else math.nan
        assert _same(followup.table.loc["mean_lux", side], mean)
        walked = list(_window(audits, "observed_at", window))
        assert followup.table.loc["mean_audit_score", f"n_{side}"] == len(walked)
        mean = sum(a.total() for a in walked) / len(walked) if walked else math.nan
        assert _same(followup.table.loc["mean_audit_score", side], mean)
    months = followup.window_days / (365.25 / 12)
    total = followup.by_source["n_before"].sum()
    assert followup.table.loc["reports_per_month", "n_before"] == total
    point_only = followup.by_source.loc["pins", "n_before"] / months
    assert followup.by_source.loc["pins", "before"] == pytest.approx(point_only)


def test_area_counts_equal_the_orm_and_show_the_reports_stopped(done_fix):
    followup = fix_followup(done_fix)
    radius = D(m=followup.area_radius_m)
    town = {"municipality": done_fix.municipality, "geom__dwithin": (done_fix.geom, radius)}
    pins = ResidentPin.objects.filter(**town).exclude(status="closed_duplicate")
    findings = WalkFinding.objects.filter(**town)
    incidents = Incident.objects.filter(**town)
    for side, window in (("before", followup.before), ("after", followup.after)):
        lighting = _window(pins, "reported_at", window).filter(category__code="lighting").count()
        lighting += (
            _window(findings, "observed_at", window).filter(category__code="lighting").count()
        )
        every = (
            _window(pins, "reported_at", window).count()
            + _window(findings, "observed_at", window).count()
            + _window(incidents, "occurred_at", window).count()
        )
        assert followup.area.loc["relevant_reports_per_month", f"n_{side}"] == lighting, side
        assert followup.area.loc["reports_per_month", f"n_{side}"] == every, side
    relevant = followup.area.loc["relevant_reports_per_month"]
    assert relevant["before"] > 3 * relevant["after"]  # the planted path's reports stopped


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or abs(a - b) < 1e-9


def test_followup_needs_a_done_fix(done_fix):
    done_fix.done_at = None
    with pytest.raises(ValueError, match="done_at"):
        fix_followup(done_fix)
