"""Benchmark of the whole prioritisation (``gis.priority.prioritise``) on synthetic towns.

Usage (from the project root)::

    .venv/bin/python bench/bench_prioritise.py            # 10k, 50k and 200k segments
    .venv/bin/python bench/bench_prioritise.py 10000 50000  # chosen sizes

Each size runs in a fresh subprocess: a seeded, jittered grid street network (EPSG:3006,
100 m blocks) with, per 100 segments, 10 resident pins, 2 safety-walk findings, 3 incidents,
100 lamps (5 % broken), 20 lux readings, 20 vegetation objects, 1 camera, and one 150 m park per
500 segments. The table gives the wall time of ``prioritise`` alone (data generation excluded),
the child's peak resident memory (``resource.getrusage(RUSAGE_SELF).ru_maxrss``) and seconds
per 1000 segments, so growth is visible (near-constant = linear).

Reference in the same run: on the 10k network the footfall estimator used above the networkx
regime (sampled shortest-path trees with scipy.sparse.csgraph) is compared with networkx's own
``edge_betweenness_centrality_subset`` from the same sampled sources (maximum absolute
difference of the 0..1 footfall, and the speed ratio), and the point snapping with geopandas
``sjoin_nearest(max_distance=...)`` (share of pins assigned to the same segment).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from gis.priority import _schema  # noqa: E402

CRS = "EPSG:3006"
AS_OF = pd.Timestamp("2025-01-15T12:00", tz="Europe/Stockholm")
SIZES = (10_000, 50_000, 200_000)
HIGHWAYS = np.array(["footway", "cycleway", "residential", "path", "pedestrian", "service"])
LIT = np.array(["yes", "no", "limited", None], dtype=object)
CATEGORIES = np.array(_schema.CATEGORIES)


def make_town(n_segments: int, seed: int = 0) -> dict:
    """Synthetic inputs with about ``n_segments`` segments (metric CRS, metres)."""
    import geopandas as gpd
    import shapely

    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(n_segments / 2))) + 1
    idx = np.arange(side * side).reshape(side, side)
    xy = np.stack(np.meshgrid(np.arange(side) * 100.0, np.arange(side) * 100.0), -1).reshape(-1, 2)
    xy += rng.normal(0, 8, xy.shape) + np.array([600_000.0, 6_600_000.0])
    edges = np.vstack(
        [
            np.stack([idx[:, :-1].ravel(), idx[:, 1:].ravel()], 1),
            np.stack([idx[:-1, :].ravel(), idx[1:, :].ravel()], 1),
        ]
    )[:n_segments]
    n = len(edges)
    geom = shapely.linestrings(np.stack([xy[edges[:, 0]], xy[edges[:, 1]]], 1))
    segments = gpd.GeoDataFrame(
        {
            "id": np.arange(1, n + 1),
            "osm_id": np.arange(1, n + 1) * 10,
            "u": edges[:, 0],
            "v": edges[:, 1],
            "highway": rng.choice(HIGHWAYS, n),
            "lit": rng.choice(LIT, n, p=[0.6, 0.15, 0.05, 0.2]),
            "length_m": shapely.length(geom),
        },
        geometry=geom,
        crs=CRS,
    )

    def along(count, offset_m):
        seg = rng.integers(0, n, count)
        pts = shapely.line_interpolate_point(geom[seg], rng.random(count), normalized=True)
        c = shapely.get_coordinates(pts) + rng.uniform(-offset_m, offset_m, (count, 2))
        return shapely.points(c)

    def when(count):
        return rng.choice(np.array(["day", "evening", "night"]), count, p=[0.3, 0.4, 0.3])

    def dates(count, days=730):
        return AS_OF - pd.to_timedelta(rng.uniform(0, days, count), unit="D")

    def frame(data, geometry):
        count = len(geometry)
        return gpd.GeoDataFrame({"id": np.arange(1, count + 1), **data}, geometry=geometry, crs=CRS)

    k = n // 100
    n_pins = 10 * k
    pins = frame(
        {
            "category": rng.choice(CATEGORIES, n_pins),
            "when": when(n_pins),
            "created_at": dates(n_pins),
            "votes": rng.poisson(1.0, n_pins),
            "status": rng.choice(
                np.array(["open", "open", "open", "resolved", "rejected"]), n_pins
            ),
        },
        along(n_pins, 15),
    )
    findings = frame(
        {
            "category": rng.choice(CATEGORIES, 2 * k),
            "severity": rng.integers(1, 6, 2 * k),
            "when": when(2 * k),
            "created_at": dates(2 * k),
        },
        along(2 * k, 5),
    )
    incidents = frame(
        {
            "type": rng.choice(
                np.array(
                    [
                        "vandalism",
                        "graffiti",
                        "glass",
                        "fire",
                        "gathering",
                        "illegal_driving",
                        "other",
                    ]
                ),
                3 * k,
            ),
            "source": rng.choice(
                np.array(["police", "guard", "night_walkers", "field_team", "housing_company"]),
                3 * k,
            ),
            "occurred_at": dates(3 * k),
        },
        along(3 * k, 20),
    )
    lamps = frame(
        {
            "status": rng.choice(
                np.array(["working", "broken", "unknown"]), 100 * k, p=[0.9, 0.05, 0.05]
            )
        },
        along(100 * k, 6),
    )
    lux = frame(
        {"lux": rng.gamma(2.0, 3.0, 20 * k), "measured_at": dates(20 * k, 365)}, along(20 * k, 3)
    )
    vegetation = frame(
        {
            "kind": rng.choice(np.array(["tree", "scrub", "hedge"]), 20 * k),
            "height_m": rng.uniform(0.3, 12, 20 * k),
            "blocks_sightline": rng.random(20 * k) < 0.1,
        },
        along(20 * k, 4),
    )
    cameras = frame(
        {
            "direction_deg": np.where(rng.random(k) < 0.3, np.nan, rng.uniform(0, 360, k)),
            "fov_deg": rng.uniform(40, 120, k),
            "range_m": rng.uniform(20, 60, k),
        },
        along(k, 5),
    )
    centres = shapely.get_coordinates(along(max(n // 500, 1), 0))
    parks = frame(
        {"name": [f"park {i}" for i in range(len(centres))]},
        shapely.box(centres[:, 0] - 75, centres[:, 1] - 75, centres[:, 0] + 75, centres[:, 1] + 75),
    )
    return {
        "segments": segments,
        "pins": pins,
        "findings": findings,
        "incidents": incidents,
        "lamps": lamps,
        "lux": lux,
        "vegetation": vegetation,
        "cameras": cameras,
        "green_areas": parks,
    }


def child(n_segments: int) -> dict:
    """Run one size in this process and return its figures."""
    from gis.priority import prioritise

    town = make_town(n_segments)
    segments = town.pop("segments")
    start = time.perf_counter()
    result = prioritise(segments, as_of=AS_OF, **town)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "segments": len(segments),
        "pins": len(town["pins"]),
        "seconds": seconds,
        "peak_mib": peak,
        "fixes": len(result.fixes),
        "unassigned": len(result.unassigned),
        "footfall": result.evidence.attrs.get("footfall_method", "?"),
        "risk_model": result.risk.attrs.get("model", "?"),
    }


def reference(n_segments: int) -> dict:
    """Compare the scipy footfall and the snapping with networkx / geopandas references."""
    import geopandas as gpd
    import networkx as nx
    import scipy.sparse as sp

    from gis.priority.footfall import node_ids, segment_lengths, tree_betweenness
    from gis.priority.snapping import nearest_segment

    town = make_town(n_segments)
    segs, pins = town["segments"], town["pins"]
    u, v = node_ids(segs)
    length = segment_lengths(segs)
    n_nodes = int(max(u.max(), v.max()) + 1)
    sources = np.sort(np.random.default_rng(0).choice(n_nodes, 64, replace=False))
    start = time.perf_counter()
    graph = sp.csr_matrix((length, (u, v)), shape=(n_nodes, n_nodes))
    load = tree_betweenness(graph, sources).tocoo()
    ours = {}
    for a, b, x in zip(load.row.tolist(), load.col.tolist(), load.data.tolist(), strict=True):
        key = (min(a, b), max(a, b))
        ours[key] = ours.get(key, 0.0) + x
    t_ours = time.perf_counter() - start
    g = nx.Graph()
    g.add_weighted_edges_from(
        zip(u.tolist(), v.tolist(), length.tolist(), strict=True), weight="length"
    )
    start = time.perf_counter()
    ref = nx.edge_betweenness_centrality_subset(
        g, sources=sources.tolist(), targets=list(g.nodes), normalized=False, weight="length"
    )
    t_ref = time.perf_counter() - start
    keys = [(min(a, b), max(a, b)) for a, b in zip(u.tolist(), v.tolist(), strict=True)]
    a = np.array([ours.get(k, 0.0) for k in keys])
    b = np.array([ref.get(k, ref.get((k[1], k[0]), 0.0)) for k in keys])
    diff = float(np.max(np.abs(a / a.max() - b / b.max())))
    start = time.perf_counter()
    near = nearest_segment(pins.geometry, segs, max_distance_m=25.0)
    t_snap = time.perf_counter() - start
    start = time.perf_counter()
    joined = gpd.sjoin_nearest(pins[["geometry"]], segs[["id", "geometry"]], max_distance=25.0)
    t_sjoin = time.perf_counter() - start
    ours_snap = near.drop_duplicates("row").set_index("row")["segment_id"]
    ref_snap = joined[~joined.index.duplicated()]["id"]
    agree = float((ours_snap.reindex(ref_snap.index) == ref_snap).mean())
    return {
        "ff_seconds": t_ours,
        "nx_seconds": t_ref,
        "ff_max_abs_diff": diff,
        "snap_seconds": t_snap,
        "sjoin_seconds": t_sjoin,
        "snap_agreement": agree,
        "n_snapped": len(ours_snap),
        "n_sjoin": len(ref_snap),
    }


def _run_child(args: list[str]) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, *args], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(sizes: list[int]) -> None:
    print(
        f"{'segments':>9} {'pins':>6} {'seconds':>8} {'peak MiB':>9} {'s/1k seg':>9} "
        f"{'fixes':>6} {'footfall':>9} {'risk model':>17}"
    )
    for size in sizes:
        r = _run_child(["--child", str(size)])
        print(
            f"{r['segments']:>9} {r['pins']:>6} {r['seconds']:>8.2f} {r['peak_mib']:>9.0f} "
            f"{1000 * r['seconds'] / r['segments']:>9.3f} {r['fixes']:>6} {r['footfall']:>9} "
            f"{r['risk_model']:>17}",
            flush=True,
        )
    ref = _run_child(["--reference", "10000"])
    print("\nreference, 10k segments, 64 sources:")
    print(
        f"  footfall: scipy trees {ref['ff_seconds']:.2f} s vs networkx "
        f"edge_betweenness_centrality_subset {ref['nx_seconds']:.2f} s "
        f"(x{ref['nx_seconds'] / ref['ff_seconds']:.0f}); max |diff| of 0..1 footfall "
        f"{ref['ff_max_abs_diff']:.2e}"
    )
    print(
        f"  snapping: STRtree {ref['snap_seconds']:.3f} s vs geopandas sjoin_nearest "
        f"{ref['sjoin_seconds']:.3f} s; same segment for {100 * ref['snap_agreement']:.2f} % "
        f"({ref['n_snapped']} vs {ref['n_sjoin']} pins snapped)"
    )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        print(json.dumps(child(int(sys.argv[2]))))
    elif len(sys.argv) == 3 and sys.argv[1] == "--reference":
        print(json.dumps(reference(int(sys.argv[2]))))
    else:
        main([int(a) for a in sys.argv[1:]] or list(SIZES))
