"""Files and helpers for the import tests, made in the test: an incident list as CSV at places
inside the demo municipality, a GeoPackage with two layers in SWEREF 99 13 30 (EPSG:3008), the
`places` fixture's points and `run` (``trygg import … --json`` in process)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import geopandas as gpd
import shapely
from django.contrib.gis.geos import GEOSGeometry
from django.core.management import call_command


def run(*args: str) -> dict:
    """`trygg import ... --json` in process; its one JSON object."""
    out = io.StringIO()
    call_command("import", *args, "--municipality", "demo-helsinki", "--json", stdout=out)
    return json.loads(out.getvalue())


def inside_points(municipality, n: int = 4) -> gpd.GeoSeries:
    """`n` points 30 m apart well inside the municipality, in the storage CRS."""
    centre = municipality.boundary.point_on_surface
    points = [shapely.Point(centre.x + 30 * i, centre.y + 15 * (i % 2)) for i in range(n)]
    return gpd.GeoSeries(points, crs=municipality.boundary.srid)


def demo_places(demo) -> gpd.GeoSeries:
    """Six points well inside the demo municipality, 30 m apart, in the storage CRS (the demo's
    is ETRS-TM35FIN, EPSG:3067, in Helsinki): the `places` fixture of the import tests."""
    points = inside_points(demo, 6)
    assert all(demo.boundary.covers(GEOSGeometry(p.wkt, srid=points.crs.to_epsg())) for p in points)
    return points


def incident_csv(path: Path, municipality, rows: list[tuple[str, str, str]]) -> Path:
    """A semicolon CSV of incidents with Swedish columns: (typ, rapporterad av, tid) per row at
    places inside `municipality`, in WGS 84 degrees, plus an unrecognised note column."""
    points = inside_points(municipality, len(rows)).to_crs(4326)
    lines = ["Lon;Lat;Typ;Rapporterad av;Tid;Anteckning"]
    for (kind, by, when), point in zip(rows, points, strict=True):
        lines.append(f"{point.x:.7f};{point.y:.7f};{kind};{by};{when};anteckning {kind}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def two_layer_gpkg(path: Path, municipality) -> Path:
    """A GeoPackage in EPSG:3008 with the layers "belysning" (lamps) and "kameror" (cameras),
    Swedish column names."""
    points = inside_points(municipality, 3).to_crs(3008)
    gpd.GeoDataFrame(
        {"ObjektID": ["L-1", "L-2", "L-3"], "Skick": ["Trasig", "Hel", "Släckt"]},
        geometry=points.values,
        crs=3008,
    ).to_file(path, driver="GPKG", layer="belysning")
    gpd.GeoDataFrame(
        {"Kamera ID": ["K-1"], "Riktning": [90.0], "Tillstånd": ["Beviljat"]},
        geometry=points[:1].values,
        crs=3008,
    ).to_file(path, driver="GPKG", layer="kameror")
    return path
