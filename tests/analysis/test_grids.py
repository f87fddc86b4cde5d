"""Square / hex grids: geometry, vectorised point assignment vs a spatial join, counts."""

import geopandas as gpd
import numpy as np
import pytest
import shapely

from gis.analysis.grids import (
    assign_points,
    cell_centres,
    count_points,
    grid_to_geodataframe,
    make_hex_grid,
    make_square_grid,
)

EXTENT = (674_000.0, 6_580_000.0, 676_050.0, 6_581_530.0)


def _random_points(n=4000, seed=11):
    rng = np.random.default_rng(seed)
    x = rng.uniform(EXTENT[0], EXTENT[2], n)
    y = rng.uniform(EXTENT[1], EXTENT[3], n)
    return x, y


def _sjoin_ids(gdf, x, y):
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=gdf.crs)
    joined = gpd.sjoin(pts, gdf[["cell_id", "geometry"]], predicate="within", how="left")
    joined = joined[~joined.index.duplicated()]
    return joined["cell_id"].fillna(-1).astype(int).to_numpy()


def test_square_grid_layout_and_assignment_match_sjoin():
    grid = make_square_grid(EXTENT, 100.0)
    assert (grid.rows, grid.cols) == (16, 21)  # extended to whole cells
    gdf = grid_to_geodataframe(grid, crs="EPSG:3006")
    assert len(gdf) == grid.n_cells
    assert gdf.crs.to_epsg() == 3006
    assert np.allclose(gdf.area, 100.0 * 100.0)
    first = gdf.geometry.iloc[0].bounds
    assert first == (EXTENT[0], grid.ymax - 100.0, EXTENT[0] + 100.0, grid.ymax)  # row 0 north
    x, y = _random_points()
    ids = assign_points(grid, x, y)
    np.testing.assert_array_equal(ids, _sjoin_ids(gdf, x, y))
    cx, cy = cell_centres(grid)
    np.testing.assert_allclose(cx, gdf.centroid.x)
    np.testing.assert_allclose(cy, gdf.centroid.y)


@pytest.mark.parametrize("orientation", ["pointy", "flat"])
def test_hex_grid_assignment_matches_sjoin(orientation):
    grid = make_hex_grid(EXTENT, 120.0, orientation=orientation)
    gdf = grid_to_geodataframe(grid, crs="EPSG:3006")
    assert np.allclose(gdf.area, np.sqrt(3) / 2 * 120.0**2)
    # Cells tile the extent: union area of the clipped cells equals the extent area.
    box = shapely.box(*EXTENT)
    clipped = shapely.intersection(np.asarray(gdf.geometry.values), box)
    assert shapely.area(clipped).sum() == pytest.approx(box.area)
    x, y = _random_points()
    ids = assign_points(grid, x, y)
    assert (ids >= 0).all()
    np.testing.assert_array_equal(ids, _sjoin_ids(gdf, x, y))
    cx, cy = cell_centres(grid)
    np.testing.assert_allclose(cx, gdf.centroid.x, atol=1e-6)
    np.testing.assert_allclose(cy, gdf.centroid.y, atol=1e-6)
    # Adjacent centres are exactly cell_size apart: 6 neighbours for interior cells.
    d = np.hypot(cx[:, None] - cx[None, :], cy[:, None] - cy[None, :])
    n_adjacent = ((d > 1) & (d < 120.0 * 1.001)).sum(axis=1)
    assert n_adjacent.max() == 6
    # Axial coordinates: centre = origin + q * e_q + r * e_r (pointy: e_q = (s, 0)).
    q, r = gdf["q"].to_numpy(), gdf["r"].to_numpy()
    s = 120.0
    if orientation == "pointy":
        along, across = cx - s * (q + r / 2), cy - s * np.sqrt(3) / 2 * r
    else:
        along, across = cy - s * (r + q / 2), cx - s * np.sqrt(3) / 2 * q
    assert np.ptp(along) < 1e-6 and np.ptp(across) < 1e-6


def test_hex_orientation_geometry():
    pointy = grid_to_geodataframe(make_hex_grid(EXTENT, 100.0, orientation="pointy"))
    flat = grid_to_geodataframe(make_hex_grid(EXTENT, 100.0, orientation="flat"))
    b = pointy.geometry.iloc[0].bounds
    assert b[3] - b[1] == pytest.approx(2 * 100.0 / np.sqrt(3))  # vertex to vertex vertically
    assert b[2] - b[0] == pytest.approx(100.0)
    b = flat.geometry.iloc[0].bounds
    assert b[2] - b[0] == pytest.approx(2 * 100.0 / np.sqrt(3))
    assert b[3] - b[1] == pytest.approx(100.0)


def test_counts_and_weighted_sums():
    grid = make_square_grid((0, 0, 300, 200), 100.0)
    x = np.array([50.0, 60.0, 250.0, 250.0, 999.0])
    y = np.array([150.0, 160.0, 50.0, 50.0, 50.0])
    np.testing.assert_array_equal(assign_points(grid, x, y), [0, 0, 5, 5, -1])
    np.testing.assert_array_equal(count_points(grid, x, y), [2, 0, 0, 0, 0, 2])
    w = [1.0, 2.0, 0.5, 0.5, 10.0]
    np.testing.assert_array_equal(count_points(grid, x, y, w), [3, 0, 0, 0, 0, 1])
    hexes = make_hex_grid((0, 0, 300, 200), 50.0)
    assert count_points(hexes, x[:4], y[:4]).sum() == 4


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: make_square_grid(EXTENT, 0), "cell_size"),
        (lambda: make_square_grid((1, 0, 0, 1), 10), "extent"),
        (lambda: make_square_grid(EXTENT, 0.01, max_cells=1000), "max_cells"),
        (lambda: make_hex_grid(EXTENT, -3), "cell_size"),
        (lambda: make_hex_grid(EXTENT, 100, orientation="diagonal"), "orientation"),
        (lambda: make_hex_grid(EXTENT, 1, max_cells=1000), "max_cells"),
        (lambda: count_points(make_square_grid(EXTENT, 10), [0.0], [0.0], [-1.0]), "weights"),
        (lambda: assign_points(make_square_grid(EXTENT, 10), [np.nan], [0.0]), "x and y"),
    ],
)
def test_bad_parameters_raise(call, name):
    with pytest.raises(ValueError, match=name):
        call()
