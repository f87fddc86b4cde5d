"""Stored runs on the demo: selection, Gi*, emerging hot spots, heat maps, reload, compare."""

from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
import shapely
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from gis import frames
from gis.analysis import gistar_grid, kernel_density
from gis.demo.places import demo_places
from gis.demo.plan import CELL_SIZE_M, DISTANCE_BAND_M, PLANTED
from gis.fixes.models import Fix
from gis.hotspots import runs, stored
from gis.hotspots.cube import aligned_grid, space_time_counts, study_mask
from gis.hotspots.models import AnalysisRun, HotspotCell
from gis.hotspots.selection import ReportSelection, data_version, select_reports
from layers.models import District, Incident
from walks.models import ResidentPin, WalkFinding


def _place_cells(run: AnalysisRun, places) -> np.ndarray:
    grid = run.params["grid"]
    col = np.floor((places.geometry.x - grid["xmin"]) / grid["cell_size"]).astype(int)
    row = np.floor((grid["ymax"] - places.geometry.y) / grid["cell_size"]).astype(int)
    return (row * grid["cols"] + col).to_numpy()


def test_planted_hotspots_come_out_as_planted(demo):
    # The demo draws its reports in UTC calendar months, so the months are counted in UTC.
    run = runs.run_emerging(
        demo, months=24, end=timezone.now(), cell_size=CELL_SIZE_M, distance=DISTANCE_BAND_M
    )
    places = demo_places(demo)
    cells = stored.load_cells(run).set_index("cell_id")
    found = dict(zip(places["key"], cells.loc[_place_cells(run, places), "category"], strict=True))
    assert found == {plan.key: plan.expected for plan in PLANTED}


def test_demo_places_match_the_stored_demo(demo):
    places = demo_places(demo).set_index("key")
    fix = Fix.objects.get(municipality=demo, fix_type="repair_lamps", status="done")
    assert places.loc["fixed_dark_path", "segment_id"] == fix.segment_id
    assert places.crs.to_epsg() == settings.TRYGG_SRID
    assert set(places["expected"]) == {plan.expected for plan in PLANTED}


def test_selection_filters_match_the_orm(demo):
    since = timezone.now() - timedelta(days=365)
    kamppi = District.objects.get(municipality=demo, name="Kamppi")
    selection = ReportSelection(
        categories=("lighting", "gathering"), when=("evening",), district=kamppi.pk
    )
    reports = select_reports(demo, selection, since=since)
    pins = ResidentPin.objects.filter(
        municipality=demo,
        reported_at__gte=since,
        category__code__in=["lighting", "gathering"],
        when="evening",
        geom__intersects=kamppi.geom,
    )
    assert (reports["source"] == "resident").sum() == pins.count() > 0
    assert set(reports["category"]) <= {"lighting", "gathering"}
    assert set(reports["when"]) == {"evening"}
    assert reports.intersects(shapely.from_wkb(bytes(kamppi.geom.wkb))).all()
    assert (reports["created_at"] >= since).all()
    assert (reports.geom_type == "Point").all()


def test_selection_by_source_and_weights(demo):
    walk = select_reports(demo, ReportSelection(sources=("walk",), weighted=True))
    assert set(walk["source"]) == {"walk"}
    assert len(walk) == WalkFinding.objects.filter(municipality=demo).count()
    np.testing.assert_allclose(walk["weight"], walk["severity"] / 3.0)
    incidents = select_reports(demo, ReportSelection(sources=("incident",)))
    assert len(incidents) == Incident.objects.filter(municipality=demo).count()
    assert (incidents["weight"] == 1.0).all()
    assert set(incidents["when"]) == {"day", "evening", "night"}
    assert data_version(walk) != data_version(walk.assign(weight=1.0))
    assert data_version(walk) == data_version(
        select_reports(demo, ReportSelection(sources=("walk",), weighted=True))
    )


@pytest.mark.parametrize(
    ("selection", "message"),
    [
        (dict(when=("dusk",)), "when must be among day, evening, night"),
        (dict(sources=("police",)), "sources must be among walk, resident, incident"),
        (dict(district="Kamppi"), "district must be a district id"),
    ],
)
def test_bad_selections_name_the_parameter(selection, message):
    with pytest.raises(ValueError, match=message):
        ReportSelection(**selection)


def test_unknown_category_and_district_are_refused(demo):
    with pytest.raises(ValueError, match=r"categories must be among .*got \['darkness'\]"):
        select_reports(demo, ReportSelection(categories=("darkness",)))
    with pytest.raises(ValueError, match="district must be the id of a district"):
        select_reports(demo, ReportSelection(district=-1))


def test_gistar_run_is_stored_and_reloaded(demo):
    user = get_user_model().objects.create_user("analyst-runs")
    run = runs.run_gistar(demo, ReportSelection(when=("evening", "night")), user=user)
    run.refresh_from_db()
    assert run.kind == "gistar" and run.created_by == user
    assert run.params["selection"]["when"] == ["evening", "night"]
    assert run.params["cell_size_m"] == 100.0 and run.params["distance_m"] == 150.0
    assert run.period_start <= run.period_end
    reports = select_reports(demo, ReportSelection(when=("evening", "night")))
    assert run.data_version == data_version(reports)
    assert run.summary["n_reports"] == len(reports)
    cells = stored.load_cells(run.pk)
    assert len(cells) == run.summary["n_cells"] == HotspotCell.objects.filter(run=run).count()
    assert sum(run.summary["categories"].values()) == len(cells)
    assert cells.crs.to_epsg() == settings.TRYGG_SRID
    np.testing.assert_allclose(cells.area, 100.0 * 100.0)
    assert cells["value"].sum() == len(reports)
    # The stored z-scores are the engine's Gi* on the same counts and mask.
    grid = aligned_grid(demo.boundary.extent, 100.0, max_cells=10**6)
    xy = reports.get_coordinates().to_numpy()
    counts = space_time_counts(grid, xy[:, 0], xy[:, 1], np.zeros(len(xy), int), 1)[0]
    mask = study_mask(grid, "network", totals=counts, lines=frames.segments(demo).geometry)
    expected = gistar_grid(counts, 100.0, 150.0, mask=mask).z[mask]
    np.testing.assert_allclose(cells["z"].to_numpy(), expected, rtol=1e-9)
    assert {"hot spot 99%", "not significant"} <= set(cells["category"])


def test_district_runs_analyse_only_the_district(demo):
    kluuvi = District.objects.get(municipality=demo, name="Kluuvi")
    run = runs.run_gistar(demo, ReportSelection(district=kluuvi.pk))
    cells = stored.load_cells(run)
    area = shapely.from_wkb(bytes(kluuvi.geom.wkb))
    assert cells.intersects(area).all()
    assert len(cells) < stored.load_cells(runs.run_gistar(demo)).shape[0]


def test_compare_runs_cell_by_cell(demo):
    middle = timezone.now() - timedelta(days=365)
    before = runs.run_gistar(demo, until=middle)
    after = runs.run_gistar(demo, since=middle)
    compared = stored.compare_runs(before, after)
    assert compared.crs.to_epsg() == settings.TRYGG_SRID
    assert {"category_before", "category_after", "z_before", "z_after", "changed"} <= set(
        compared.columns
    )
    assert compared["changed"].any() and not compared["changed"].all()
    changed = compared[compared["changed"]]
    assert (changed["category_before"] != changed["category_after"]).all()
    coarse = runs.run_gistar(demo, cell_size=200.0, distance=300.0)
    with pytest.raises(ValueError, match="after must use the same grid as before"):
        stored.compare_runs(before, coarse)


def test_heatmap_run_writes_a_cloud_optimized_geotiff(demo):
    run = runs.run_heatmap(demo, ReportSelection(categories=("lighting",)), bandwidth=150.0)
    try:
        path = Path(run.raster.path)
        assert path.is_file() and path.parent.name == "analysis"
        raster = stored.load_raster(run)
        assert raster.crs == f"EPSG:{settings.TRYGG_SRID}"
        assert raster.params["bandwidth_m"] == 150.0 and raster.cell_size == 15.0
        reports = select_reports(demo, ReportSelection(categories=("lighting",)))
        xy = reports.get_coordinates().to_numpy()
        expected = kernel_density(
            xy[:, 0], xy[:, 1], bandwidth=150.0, extent=demo.boundary.extent
        ).array
        np.testing.assert_allclose(raster.array, expected, rtol=1e-5, atol=1e-6 * expected.max())
        assert run.summary["max_density"] == pytest.approx(expected.max())
        west, south, east, north = run.summary["wgs84_bounds"]
        assert 24.8 < west < east < 25.1 and 60.1 < south < north < 60.3
        with pytest.raises(ValueError, match="run must be a Gi\\* or emerging run"):
            stored.load_cells(run)
    finally:
        run.raster.delete(save=False)


def test_suggested_bandwidth_is_recorded(demo):
    run = runs.run_heatmap(demo, bandwidth=None)
    try:
        assert run.params["bandwidth_suggested"] is True
        assert 50.0 <= run.params["bandwidth_m"] <= 2000.0
    finally:
        run.raster.delete(save=False)


def test_list_runs_and_unknown_runs(demo):
    first = runs.run_gistar(demo)
    table = stored.list_runs(demo, "gistar")
    assert first.pk in set(table["id"]) and set(table["kind"]) == {"gistar"}
    assert stored.list_runs(demo, "emerging").empty
    assert list(stored.list_runs(demo)["id"]) == [first.pk]
    with pytest.raises(ValueError, match="kind must be one of"):
        stored.list_runs(demo, "kde")
    with pytest.raises(ValueError, match="run must be the id of a stored analysis run"):
        stored.load_cells(-1)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda m: runs.run_heatmap(m, bandwidth=0), "bandwidth must be > 0 m, got 0"),
        (lambda m: runs.run_heatmap(m, bandwidth=-5), "bandwidth must be > 0 m, got -5"),
        (lambda m: runs.run_gistar(m, cell_size=1.0), "more than max_cells 1000000"),
        (lambda m: runs.run_emerging(m, months=9), "months must be an integer >= 10"),
        (
            lambda m: runs.run_gistar(
                m, ReportSelection(categories=("lighting",)), since=timezone.now()
            ),
            "selection is empty",
        ),
        (lambda m: runs.run_gistar(m, distance=50.0), "distance must be >= cell_size"),
    ],
)
def test_bad_parameters_raise_before_anything_is_stored(demo, call, message):
    with pytest.raises(ValueError, match=message):
        call(demo)
    assert not AnalysisRun.objects.filter(municipality=demo).exists()
