"""COG round trip, PNG rendering with transparent zeros, legend, WGS 84 overlay bounds."""

import io
import math

import numpy as np
import pytest
import rasterio
from PIL import Image
from pyproj import Transformer

from gis.analysis.kde import DensityRaster, kernel_density
from gis.analysis.raster import colour_legend, read_raster, render_png, wgs84_bounds, write_cog


@pytest.fixture(scope="module")
def raster():
    rng = np.random.default_rng(8)
    x = rng.normal(674_500.0, 400.0, 3000)
    y = rng.normal(6_580_500.0, 300.0, 3000)
    return kernel_density(x, y, bandwidth=250.0, cell_size=4.0, crs="EPSG:3006")


def test_cog_round_trip(tmp_path, raster):
    path = tmp_path / "heat.tif"
    write_cog(raster, path)
    with rasterio.open(path) as src:
        assert src.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG"
        assert src.overviews(1), "a raster larger than one block gets overviews"
        assert src.block_shapes[0] == (512, 512)
        assert math.isnan(src.nodata)
        assert src.crs.to_epsg() == 3006
        tags = src.tags()
    assert tags["units"] == "weighted points per m2"
    assert tags["kernel"] == "quartic"
    assert float(tags["bandwidth_m"]) == 250.0 and float(tags["cell_size_m"]) == 4.0
    assert int(tags["n_points"]) == 3000
    back = read_raster(path)
    assert back.crs == "EPSG:3006"
    assert back.transform == raster.transform
    assert back.params == raster.params
    assert back.units == raster.units
    np.testing.assert_allclose(back.array, raster.array, rtol=1e-6, atol=0)


def test_float64_round_trip_is_exact(tmp_path, raster):
    path = tmp_path / "heat64.tif"
    write_cog(raster, path, dtype="float64")
    np.testing.assert_array_equal(read_raster(path).array, raster.array)


def test_png_transparent_at_zero_and_ramp(raster):
    png = render_png(raster)
    img = Image.open(io.BytesIO(png))
    assert img.mode == "RGBA" and img.size == (raster.shape[1], raster.shape[0])
    rgba = np.asarray(img)
    zero = raster.array == 0
    assert zero.any() and (~zero).any()
    assert (rgba[..., 3][zero] == 0).all()
    assert (rgba[..., 3][~zero] > 0).all()
    peak = np.unravel_index(np.argmax(raster.array), raster.shape)
    assert tuple(rgba[peak][:3]) == (0xBD, 0x00, 0x26)  # red at the maximum
    low = np.unravel_index(np.argmin(np.where(zero, np.inf, raster.array)), raster.shape)
    r, g, b = rgba[low][:3]
    assert r > 250 and g > 250 and b < 190  # pale yellow at the lowest non-zero value


def test_legend(raster):
    vmax = float(raster.array.max())
    legend = colour_legend(vmax, n=4)
    assert [v for v, _ in legend] == pytest.approx([vmax / 4, vmax / 2, 3 * vmax / 4, vmax])
    assert legend[-1][1] == "#bd0026"
    assert all(c.startswith("#") and len(c) == 7 for _, c in legend)


def test_wgs84_bounds(raster):
    west, south, east, north = wgs84_bounds(raster)
    to_wgs = Transformer.from_crs("EPSG:3006", "EPSG:4326", always_xy=True)
    xmin, ymin, xmax, ymax = raster.bounds
    for x, y in [(xmin, ymin), (xmin, ymax), (xmax, ymin), (xmax, ymax)]:
        lon, lat = to_wgs.transform(x, y)
        assert west - 1e-9 <= lon <= east + 1e-9 and south - 1e-9 <= lat <= north + 1e-9
    assert 17.5 < west < east < 18.5 and 59.0 < south < north < 59.6  # Stockholm area
    no_crs = DensityRaster(raster.array, raster.transform, None)
    assert wgs84_bounds(no_crs, "EPSG:3006") == (west, south, east, north)
    with pytest.raises(ValueError, match="crs"):
        wgs84_bounds(no_crs)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda r, p: write_cog(r, p / "x.tif", dtype="int16"), "dtype"),
        (lambda r, p: render_png(r, vmax=-1.0), "vmax"),
        (lambda r, p: render_png(r, min_alpha=1.5), "min_alpha"),
        (lambda r, p: colour_legend(0.0), "vmax"),
        (lambda r, p: colour_legend(1.0, n=1), "n must"),
    ],
)
def test_bad_parameters_raise(tmp_path, raster, call, name):
    with pytest.raises(ValueError, match=name):
        call(raster, tmp_path)
