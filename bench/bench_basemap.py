"""The public basemap's vector tiles (layers.basemap) on the loaded data: time and size per zoom.

Renders every tile covering the loaded basemap at zooms 10-16 with the same query the endpoint
/basemap/{z}/{x}/{y}.pbf runs (layers.basemap.render_tile), twice (the first round warms the
cache; the second is reported), and prints per zoom: tiles, median and maximum milliseconds,
median and maximum bytes, and the total bytes. Uses the embedded dev database (or the one named
by TRYGG_DB_NAME / DATABASE_URL); load the basemap first with `trygg load-osm` or `trygg demo`.

    .venv/bin/python bench/bench_basemap.py
"""

from __future__ import annotations

import math
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gis.settings.demo")

ZOOMS = (10, 12, 13, 14, 15, 16)


def tile_range(bounds: tuple[float, float, float, float], z: int) -> list[tuple[int, int]]:
    """Every (x, y) at zoom z covering `bounds` (west, south, east, north in degrees)."""

    def tile(lon: float, lat: float) -> tuple[int, int]:
        n = 2**z
        y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
        return int((lon + 180) / 360 * n), int(y)

    west, south, east, north = bounds
    (x0, y0), (x1, y1) = tile(west, north), tile(east, south)
    return [(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def main() -> None:
    import django

    django.setup()
    from layers import basemap

    bounds = basemap.data_bounds()
    if bounds is None:
        sys.exit("no basemap loaded: run `trygg load-osm FILE` first")
    print(f"basemap bounds {bounds}; load average {os.getloadavg()[0]:.2f}")
    header = ("z", "tiles", "ms p50", "ms max", "B p50", "B max", "B total")
    print("{:>3} {:>6} {:>7} {:>7} {:>8} {:>8} {:>9}".format(*header))
    for z in ZOOMS:
        tiles = tile_range(bounds, z)
        for x, y in tiles:  # warm-up round
            basemap.render_tile(z, x, y)
        times, sizes = [], []
        for x, y in tiles:
            started = time.perf_counter()
            sizes.append(len(basemap.render_tile(z, x, y)))
            times.append((time.perf_counter() - started) * 1000)
        print(
            f"{z:>3} {len(tiles):>6} {statistics.median(times):>7.1f} {max(times):>7.1f} "
            f"{statistics.median(sizes):>8.0f} {max(sizes):>8} {sum(sizes):>9}"
        )


if __name__ == "__main__":
    main()
