"""Monthly steps, aligned grids, space-time counts and the study mask (pure, no database)."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Point

from gis.analysis import assign_points, grid_to_geodataframe
from gis.hotspots.compute import emerging_cells, hotspot_cells
from gis.hotspots.cube import (
    aligned_grid,
    check_emerging_steps,
    month_edges,
    space_time_counts,
    step_index,
    study_mask,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def test_month_edges_are_local_calendar_months_across_dst_and_years():
    end = datetime(2026, 3, 29, 12, 0, tzinfo=STOCKHOLM)  # the day clocks go forward
    edges = month_edges(end, 4)
    assert edges[-1] == end
    assert [(e.year, e.month, e.day, e.hour) for e in edges[:-1]] == [
        (2025, 12, 1, 0),
        (2026, 1, 1, 0),
        (2026, 2, 1, 0),
        (2026, 3, 1, 0),
    ]
    assert edges[0].utcoffset().total_seconds() == 3600


def test_month_edges_at_a_month_start_end_with_the_previous_month():
    end = datetime(2026, 1, 1, tzinfo=UTC)
    edges = month_edges(end, 2)
    assert edges == [datetime(2025, 11, 1, tzinfo=UTC), datetime(2025, 12, 1, tzinfo=UTC), end]


@pytest.mark.parametrize(
    ("end", "months", "message"),
    [
        (datetime(2026, 1, 5), 3, "end must be a timezone-aware"),
        (datetime(2026, 1, 5, tzinfo=UTC), 0, "months must be an integer >= 1"),
    ],
)
def test_month_edges_refuse_bad_parameters(end, months, message):
    with pytest.raises(ValueError, match=message):
        month_edges(end, months)


def test_emerging_needs_ten_steps():
    assert check_emerging_steps(10) == 10
    with pytest.raises(ValueError, match="months must be an integer >= 10 time steps, got 9"):
        check_emerging_steps(9)


def test_step_index_is_half_open():
    edges = [datetime(2026, m, 1, tzinfo=UTC) for m in (1, 2, 3)]
    times = pd.Series(
        [
            datetime(2025, 12, 31, 23, tzinfo=UTC),
            datetime(2026, 1, 1, tzinfo=UTC),
            datetime(2026, 1, 31, 23, 59, tzinfo=UTC),
            datetime(2026, 2, 1, tzinfo=UTC),
            datetime(2026, 3, 1, tzinfo=UTC),
        ]
    )
    assert step_index(times, edges).tolist() == [-1, 0, 0, 1, -1]


def test_aligned_grid_snaps_to_whole_cells_and_refuses_too_many_cells():
    grid = aligned_grid((385_374.1, 6_671_409.4, 386_516.6, 6_673_186.1), 100.0, max_cells=10_000)
    assert (grid.xmin, grid.ymax, grid.rows, grid.cols) == (385_300.0, 6_673_200.0, 18, 13)
    with pytest.raises(ValueError, match="cell_size must be > 0 m, got -5"):
        aligned_grid((0, 0, 10, 10), -5, max_cells=100)
    with pytest.raises(ValueError, match="more than max_cells 100"):
        aligned_grid((0, 0, 1000, 1000), 10, max_cells=100)


def test_space_time_counts_match_a_loop():
    rng = np.random.default_rng(3)
    grid = aligned_grid((0, 0, 500, 400), 100.0, max_cells=1000)
    x, y = rng.uniform(-50, 550, 400), rng.uniform(-50, 450, 400)
    steps = rng.integers(-1, 4, 400)
    w = rng.uniform(0.5, 2, 400)
    cube = space_time_counts(grid, x, y, steps, 3, w)
    expected = np.zeros((3, grid.n_cells))
    for cell, step, weight in zip(assign_points(grid, x, y), steps, w, strict=True):
        if cell >= 0 and 0 <= step < 3:
            expected[step, cell] += weight
    np.testing.assert_allclose(cube.reshape(3, -1), expected)


def test_study_mask_network_is_the_cells_a_street_crosses_plus_reported_cells():
    grid = aligned_grid((0, 0, 500, 500), 100.0, max_cells=1000)
    lines = gpd.GeoSeries([LineString([(10, 250), (490, 250)]), LineString([(150, 10), (150, 90)])])
    totals = np.zeros((grid.rows, grid.cols))
    totals[0, 4] = 2.0  # a report far from the streets
    mask = study_mask(grid, "network", totals=totals, lines=lines)
    polygons = grid_to_geodataframe(grid).geometry
    crossed = np.zeros(grid.n_cells, bool)
    for line in lines:
        crossed |= polygons.intersects(line).to_numpy()
    np.testing.assert_array_equal(mask.ravel(), crossed | (totals.ravel() > 0))
    assert study_mask(grid, "reports", totals=totals).sum() == 1
    assert study_mask(grid, "extent", totals=totals).all()
    area = shapely.box(0, 0, 200, 500)
    inside = study_mask(grid, "extent", totals=totals, area=area)
    assert inside.sum() == 3 * grid.rows  # cells touching x in [0, 200] (the edge at 200 too)
    with pytest.raises(ValueError, match="study_area must be one of"):
        study_mask(grid, "forest", totals=totals)


def _reports(points: list[tuple[float, float, datetime]], crs: str = "EPSG:3067"):
    return gpd.GeoDataFrame(
        {"created_at": pd.to_datetime([p[2] for p in points], utc=True), "weight": 1.0},
        geometry=[Point(p[0], p[1]) for p in points],
        crs=crs,
    )


def test_emerging_cells_find_a_new_hot_spot():
    rng = np.random.default_rng(11)
    end = datetime(2026, 1, 15, tzinfo=UTC)
    edges = month_edges(end, 12)
    points = []
    for step in range(12):
        start = edges[step]
        for _ in range(40):  # background all over 1 km x 1 km
            points.append((rng.uniform(0, 1000), rng.uniform(0, 1000), start))
        if step == 11:
            for _ in range(40):  # a cluster in the last month around (550, 550)
                points.append((550 + rng.normal(0, 40), 550 + rng.normal(0, 40), start))
    grid = aligned_grid((0, 0, 1000, 1000), 100.0, max_cells=1000)
    result = emerging_cells(
        _reports(points), grid, edges, distance=150.0, study_area="extent", time_window=1
    )
    cell = int(assign_points(grid, [550.0], [550.0])[0])
    row = result.cells.set_index("cell_id").loc[cell]
    assert row["category"] == "new hot spot"
    assert result.z.shape == result.counts.shape == (12, grid.n_cells)
    assert result.counts.sum() == len(points)


def test_hotspot_cells_find_nothing_without_reports_and_refuse_geographic_ones():
    grid = aligned_grid((0, 0, 1000, 1000), 100.0, max_cells=1000)
    empty = hotspot_cells(_reports([]), grid, distance=150.0, study_area="extent")
    assert len(empty) == grid.n_cells and (empty["category"] == "not significant").all()
    assert empty["z"].isna().all() and (empty["value"] == 0).all()
    with pytest.raises(ValueError, match="reports must not be empty"):
        emerging_cells(
            _reports([]),
            grid,
            month_edges(datetime(2026, 1, 15, tzinfo=UTC), 12),
            distance=150.0,
            study_area="extent",
        )
    degrees = _reports([(24.9, 60.1, datetime(2026, 1, 1, tzinfo=UTC))], crs="EPSG:4326")
    with pytest.raises(ValueError, match="reports must be in a projected CRS"):
        hotspot_cells(degrees, grid, distance=150.0, study_area="extent")
