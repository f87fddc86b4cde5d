"""Booting the web application does not import the analysis libraries.

A gunicorn worker imports `gis.wsgi`, which loads the URL configuration (every view module);
the heavy libraries behind the analysis (geopandas, pandas, scipy, statsmodels, rasterio, …)
are imported on first use (gis.core.lazy), so a restarted server answers within its first
seconds. Checked in a fresh interpreter: what `sys.modules` holds after the boot, that no database
connection is open (gunicorn preloads the application in its master and forks the workers:
gis/gunicorn_conf.py), and that a stand-in loads its module on first use. numpy is not in
the list: GeoDjango's GDAL raster support imports it whatever Trygg does. Speed itself is
measured in bench/bench_web_kill.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

HEAVY = (
    "geopandas",
    "pandas",
    "scipy",
    "shapely",
    "statsmodels",
    "rasterio",
    "pyproj",
    "networkx",
    "osmnx",
    "matplotlib",
    "esda",
    "libpysal",
    "pyrosm",
    "folium",
    "KDEpy",
    "sklearn",
)

BOOT = """
import json, sys
import gis.wsgi
from django.urls import get_resolver
get_resolver().url_patterns
import gis.urls, gis.dashboard.views_api, gis.fixes.views, gis.analysis, gis.priority
from django.db import connections
# gunicorn preloads the application in the master and forks: nothing may be connected yet.
assert all(c.connection is None for c in connections.all(initialized_only=True)), "connected"
heavy = json.loads(sys.argv[1])
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in heavy)))
"""

FIRST_USE = """
import sys
from gis.core.lazy import lazy_attribute, lazy_module
pd = lazy_module("pandas")
norm = lazy_attribute("scipy.stats", "norm")
assert "pandas" not in sys.modules and "scipy.stats" not in sys.modules
assert pd.DataFrame({"a": [1, 2]})["a"].sum() == 3
assert abs(norm.sf(0.0) - 0.5) < 1e-12 and isinstance(pd.Series([1]), pd.Series)
print(sys.modules["pandas"].__name__, "scipy.stats" in sys.modules)
"""


def _python(code: str, *args: str) -> str:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "gis.settings.test"}
    result = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.strip().splitlines()[-1]


def test_booting_the_wsgi_application_imports_no_heavy_library():
    loaded = json.loads(_python(BOOT, json.dumps(HEAVY)))
    assert loaded == []


def test_a_lazy_module_is_imported_on_first_use():
    assert _python(FIRST_USE) == "pandas True"
