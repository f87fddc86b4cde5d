"""The pure overlay functions: heat-map image in Web Mercator and Gi* hot-spot cells."""

import io

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from PIL import Image
from pyproj import Transformer

from gis.analysis import make_square_grid
from gis.dashboard.overlay import PER_KM2, heat_overlay, hotspot_overlay
from gis.hotspots.compute import hotspot_cells

CRS = "EPSG:3067"
EXTENT = (385_000.0, 6_671_000.0, 387_000.0, 6_673_000.0)


def _cluster(n: int, x: float, y: float, spread: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(x, spread, n), rng.normal(y, spread, n)


def test_heat_overlay_is_a_png_placed_by_wgs84_bounds():
    x, y = _cluster(400, 386_000, 6_672_000, 60, seed=1)
    heat = heat_overlay(x, y, crs=CRS, extent=EXTENT, bandwidth=150)
    image = Image.open(io.BytesIO(heat.png))
    assert image.mode == "RGBA"
    west, south, east, north = heat.bounds
    to_wgs84 = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
    lon, lat = to_wgs84.transform(386_000, 6_672_000)
    assert west < lon < east and south < lat < north
    # The hottest pixel lies where the points are: the image is north up in Web Mercator.
    alpha = np.asarray(image)[..., 3]
    row, col = np.unravel_index(np.argmax(alpha), alpha.shape)
    px_lon = west + (col + 0.5) / image.width * (east - west)
    assert abs(px_lon - lon) < 0.003
    merc = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    _, y_top = merc.transform(west, north)
    _, y_bottom = merc.transform(west, south)
    _, y_point = merc.transform(lon, lat)
    assert abs((y_top - y_point) / (y_top - y_bottom) * image.height - (row + 0.5)) < 3


def test_heat_overlay_legend_is_in_reports_per_km2():
    x, y = _cluster(100, 386_000, 6_672_000, 40, seed=2)
    heat = heat_overlay(x, y, crs=CRS, extent=EXTENT, bandwidth=200, legend_steps=4)
    values = [value for value, _ in heat.legend]
    assert len(values) == 4 and values == sorted(values)
    assert values[-1] == pytest.approx(heat.params["vmax_per_km2"])
    # Peak density of 100 points within ~200 m: tens of thousands, not 1e-2 per m².
    assert 1e3 < values[-1] / PER_KM2 * PER_KM2 < 1e6


def test_heat_overlay_without_points_is_none():
    assert heat_overlay([], [], crs=CRS, extent=EXTENT, bandwidth=150) is None


def test_heat_overlay_rejects_a_bad_bandwidth():
    with pytest.raises(ValueError, match="bandwidth"):
        heat_overlay([386_000], [6_672_000], crs=CRS, extent=EXTENT, bandwidth=-5)


def test_hotspot_overlay_finds_the_cluster_and_keeps_the_study_area():
    bx, by = _cluster(150, 386_000, 6_672_000, 900, seed=3)
    cx, cy = _cluster(80, 385_550, 6_672_450, 30, seed=4)
    area = shapely.box(385_000, 6_671_000, 387_000, 6_672_750)
    x, y = np.r_[bx, cx], np.r_[by, cy]
    cells = hotspot_overlay(x, y, crs=CRS, extent=EXTENT, cell_size=100, distance=150, area=area)
    assert cells.crs.to_string() == CRS
    assert len(cells) == 20 * 18  # only cells intersecting the study area
    assert cells.geometry.intersects(area).all()
    hot = cells[cells.gi_bin == 3]
    assert hot.geometry.contains(shapely.Point(385_550, 6_672_450)).any()
    assert (cells.gi_bin >= 0).sum() > 0.9 * len(cells)
    # Every point of the study area is counted in an analysed cell, once.
    analysed = shapely.contains_xy(shapely.union_all(cells.geometry.values), x, y)
    assert cells["value"].sum() == analysed.sum()
    assert (analysed | ~shapely.contains_xy(area, x, y)).all()


def test_hotspot_overlay_is_the_hotspot_run_engine_on_unweighted_points():
    """The live map and a stored run of the same points and grid agree cell by cell."""
    x, y = _cluster(200, 386_300, 6_671_700, 120, seed=5)
    area = shapely.box(385_100, 6_671_100, 386_900, 6_672_900)
    live = hotspot_overlay(x, y, crs=CRS, extent=EXTENT, cell_size=100, distance=150, area=area)
    reports = gpd.GeoDataFrame(
        {"weight": np.ones(len(x))}, geometry=gpd.points_from_xy(x, y), crs=CRS
    )
    grid = make_square_grid(EXTENT, 100)
    run = hotspot_cells(reports, grid, distance=150, study_area="extent", area=area)
    pd.testing.assert_frame_equal(live, run)
    assert (live.gi_bin == 3).any()


def test_hotspot_overlay_without_points_is_all_insignificant():
    cells = hotspot_overlay([], [], crs=CRS, extent=EXTENT, cell_size=100, distance=150)
    assert len(cells) == 400 and (cells.gi_bin == 0).all() and cells.z.isna().all()
    assert (cells.category == "not significant").all() and (cells.value == 0).all()


def test_hotspot_overlay_rejects_a_band_smaller_than_a_cell():
    with pytest.raises(ValueError, match="distance"):
        hotspot_overlay([1.0], [1.0], crs=CRS, extent=EXTENT, cell_size=100, distance=50)
