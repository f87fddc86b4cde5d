"""The summary of a digital walk: counts by category and time of day, the answers to the
questions, a heat map of the points, the most named places and the avoided ways drawn together.

`summarise` is a pure function over GeoDataFrames in a metric CRS (no database): the features
(`gis.campaigns.export.features_frame`), the answers (`answers_frame`) and optionally the street
segments of the area. `campaign_summary` reads them for a campaign, names the places
(layers.naming) and returns what the pages draw, in WGS 84.
"""

from __future__ import annotations

from collections import Counter

from gis.core.lazy import lazy_attribute, lazy_module

np = lazy_module("numpy")
pd = lazy_module("pandas")
gpd = lazy_module("geopandas")
kernel_density = lazy_attribute("gis.analysis.kde", "kernel_density")

PLACE_RADIUS_M = 50  # points (and centres of ways and places) this close name one place
SEGMENT_BUFFER_M = 15  # an avoided way runs along a segment when it stays this close ...
SEGMENT_SHARE = 0.6  # ... over this share of the segment's length
HEAT_BANDWIDTH_M = 150
HEAT_CELL_M = 25
HEAT_FLOOR = 0.1  # cells below this share of the highest density are left out
TOP_PLACES = 10
TIMES = ("day", "evening", "night")


def anchor_points(features: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """Where each feature is, as one point: a point itself, the middle of a way (halfway along
    it), a place's point on its surface."""
    geometry = features.geometry
    points = geometry.copy()
    ways = features["kind"] == "avoided_way"
    places = features["kind"] == "avoided_place"
    if ways.any():
        points[ways] = geometry[ways].interpolate(0.5, normalized=True)
    if places.any():
        points[places] = geometry[places].representative_point()
    return points


def clusters(points: gpd.GeoSeries, radius: float = PLACE_RADIUS_M) -> np.ndarray:
    """A cluster label per point: points within `radius` metres of each other, directly or
    through a chain of such points, share a label (single linkage). Labels are numbered in
    the order of each cluster's first point, so equal input gives equal labels."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial import cKDTree

    n = len(points)
    if n == 0:
        return np.zeros(0, dtype=int)
    xy = np.column_stack([points.x.to_numpy(), points.y.to_numpy()])
    pairs = cKDTree(xy).query_pairs(radius, output_type="ndarray")
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _count, labels = connected_components(graph, directed=False)
    order = {label: i for i, label in enumerate(dict.fromkeys(labels.tolist()))}
    return np.array([order[label] for label in labels.tolist()], dtype=int)


def _counts(features: gpd.GeoDataFrame) -> dict:
    points = features[features["kind"] == "point"]
    by_category = Counter(points["category"])
    names = dict(zip(points["category"], points["category_name"], strict=False))
    matrix = {
        code: {
            when: int(((points["category"] == code) & (points["when"] == when)).sum())
            for when in TIMES
        }
        for code in by_category
    }
    return {
        "features": len(features),
        "by_kind": {
            kind: int((features["kind"] == kind).sum())
            for kind in ("point", "avoided_way", "avoided_place")
        },
        "by_category": [
            {
                "category": code,
                "name": names.get(code, code),
                "count": count,
                "by_when": matrix[code],
            }
            for code, count in sorted(by_category.items(), key=lambda item: (-item[1], item[0]))
        ],
        "by_when": {when: int((features["when"] == when).sum()) for when in TIMES},
    }


def _questions(answers: pd.DataFrame, questions: list[dict]) -> list[dict]:
    result = []
    for question in questions:
        key = question["key"]
        column = answers[key] if key in answers else pd.Series([], dtype=object)
        given = column.dropna()
        given = given[given != ""]
        entry = {"key": key, "kind": question["kind"], "answered": len(given)}
        if question["kind"] == "scale":
            values = pd.to_numeric(given, errors="coerce").dropna().astype(int)
            entry["distribution"] = {str(v): int((values == v).sum()) for v in range(1, 6)}
            entry["mean"] = round(float(values.mean()), 2) if len(values) else None
        result.append(entry)
    return result


def _heat(points: gpd.GeoSeries) -> list[dict]:
    """Cell centres of the points' kernel density with their share of the highest density."""
    if len(points) < 2:
        return [{"x": float(p.x), "y": float(p.y), "value": 1.0} for p in points]
    raster = kernel_density(
        points.x.to_numpy(), points.y.to_numpy(), bandwidth=HEAT_BANDWIDTH_M, cell_size=HEAT_CELL_M
    )
    array = raster.array
    peak = float(array.max())
    if peak <= 0:
        return []
    rows, cols = np.nonzero(array >= peak * HEAT_FLOOR)
    transform = raster.transform
    cells = []
    for row, col in zip(rows.tolist(), cols.tolist(), strict=True):
        x = transform.c + transform.a * (col + 0.5)
        y = transform.f + transform.e * (row + 0.5)
        cells.append(
            {"x": float(x), "y": float(y), "value": round(float(array[row, col]) / peak, 3)}
        )
    return cells


def _places(features: gpd.GeoDataFrame, anchors: gpd.GeoSeries) -> list[dict]:
    """The most named places: clusters ranked by how many answers name them."""
    labels = clusters(anchors)
    places = []
    for label in sorted(set(labels.tolist())):
        members = features[labels == label]
        at = anchors[labels == label]
        categories = Counter(c for c in members["category"] if c)
        whens = Counter(w for w in members["when"] if w)
        places.append(
            {
                "x": float(at.x.mean()),
                "y": float(at.y.mean()),
                "answers": int(members["response"].nunique()),
                "features": members["id"].astype(int).tolist(),
                "categories": [code for code, _n in categories.most_common(3)],
                "when": whens.most_common(1)[0][0] if whens else "",
                "comments": list(dict.fromkeys(c for c in members["comment"] if c))[:5],
            }
        )
    places.sort(key=lambda p: (-p["answers"], -len(p["features"]), p["features"][0]))
    return places[:TOP_PLACES]


def _ways(ways: gpd.GeoDataFrame, segments: gpd.GeoDataFrame | None) -> list[dict]:
    """Street segments that avoided ways follow, with how many ways follow each (``ways``) and
    which (``followers``: positions of the ways in ``ways``), the most followed first."""
    if segments is None or not len(ways) or not len(segments):
        return []
    buffers = ways.geometry.buffer(SEGMENT_BUFFER_M)
    tree = segments.sindex
    followers: dict[int, set[int]] = {}
    for way, buffer in enumerate(buffers):
        for index in tree.query(buffer, predicate="intersects").tolist():
            segment = segments.geometry.iloc[index]
            if (
                segment.length > 0
                and segment.intersection(buffer).length >= SEGMENT_SHARE * segment.length
            ):
                followers.setdefault(index, set()).add(way)
    return [
        {
            "segment": int(segments["id"].iloc[i]),
            "name": str(segments["name"].iloc[i] or ""),
            "ways": len(found),
            "followers": sorted(found),
            "geometry": segments.geometry.iloc[i],
        }
        for i, found in sorted(
            followers.items(), key=lambda item: (-len(item[1]), int(segments["id"].iloc[item[0]]))
        )
    ]


def streets_avoided(segments: list[dict]) -> list[dict]:
    """The segments of :func:`_ways` grouped by street name: ``name`` and ``ways``, the number
    of distinct avoided ways along any of its segments, the most avoided first (unnamed
    segments stay apart)."""
    groups: dict[str, set[int]] = {}
    for position, segment in enumerate(segments):
        key = segment["name"] or f"\x00{position}"
        groups.setdefault(key, set()).update(segment["followers"])
    rows = [
        {"name": "" if key.startswith("\x00") else key, "ways": len(found)}
        for key, found in groups.items()
    ]
    return sorted(rows, key=lambda row: (-row["ways"], row["name"]))


def summarise(
    features: gpd.GeoDataFrame,
    answers: pd.DataFrame,
    questions: list[dict],
    segments: gpd.GeoDataFrame | None = None,
) -> dict:
    """The summary of a campaign's features and answers (metric CRS in, the same CRS out).

    Returns ``{"responses", "counts": {features, by_kind, by_category, by_when}, "questions",
    "heat": [{x, y, value}], "places": [{x, y, answers, features, categories, when, comments}],
    "ways": GeoSeries of the avoided ways, "segments": [{segment, name, ways, geometry}]}``.
    """
    anchors = anchor_points(features) if len(features) else gpd.GeoSeries([], crs=features.crs)
    points = features[features["kind"] == "point"]
    return {
        "responses": len(answers),
        "counts": _counts(features),
        "questions": _questions(answers, questions),
        "heat": _heat(points.geometry) if len(points) else [],
        "places": _places(features, anchors) if len(features) else [],
        "ways": features[features["kind"] == "avoided_way"].geometry,
        "segments": _ways(features[features["kind"] == "avoided_way"], segments),
    }
