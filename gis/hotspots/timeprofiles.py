"""When a place is hot: the selected reports' time profiles (168 hour-of-week bins) per place.

The Django side of :mod:`gis.analysis.timeprofile`: it reads the reports a selection holds
(the SQL of an app above, such as the dashboard's filters, with the columns of
``gis.dashboard.filters.REPORT_COLUMNS``), gives each its time and weight, groups them by
place and hands them to the pure :func:`gis.analysis.timeprofile.time_profile`.

Time and weight of a record
---------------------------
* an incident: ``occurred_at``, and when it is known only as a span, ``occurred_to`` as its
  end (spread aoristically over the hours between);
* a resident pin: ``reported_at``;
* a walk finding: when it was observed, else when its walk started.

Findings and incidents that carry a severity (1-5) weigh ``severity / 3`` (a middle severity
weighs as one report); the others weigh 1.

Places (``PLACE_KINDS``)
------------------------
``all`` (one profile of the selection), ``segment`` (the nearest walking segment within the
prioritisation's snapping tolerance, :func:`gis.priority.snapping.nearest_segment`; a tie is
split), ``cell`` (a cell of a square analysis grid, :func:`gis.analysis.grids.assign_points`),
``district`` (the district polygon containing the record) and ``hotspot`` (the cells of a
stored Gi* or emerging run, :class:`gis.hotspots.models.HotspotCell`).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.utils.dates import WEEKDAYS, WEEKDAYS_ABBR
from django.utils.translation import gettext as _

from gis import frames
from gis.analysis.grids import SquareGrid, assign_points
from gis.core.dbrouter import read_cursor
from gis.core.lazy import lazy_module
from gis.core.models import Municipality
from gis.hotspots.models import AnalysisRun, HotspotCell
from gis.priority.params import PriorityParams
from layers.models import Incident
from walks.models import SafetyWalk, WalkFinding

gpd = lazy_module("geopandas")
np = lazy_module("numpy")
pd = lazy_module("pandas")
#: The pure engine (numpy and pandas at import: loaded on first use, not when the web boots).
tp = lazy_module("gis.analysis.timeprofile")
snapping = lazy_module("gis.priority.snapping")

PLACE_KINDS = ("all", "segment", "cell", "district", "hotspot")
#: The severity that weighs as one report.
MIDDLE_SEVERITY = 3.0
#: Share of a profile its hot hours hold (:func:`gis.analysis.timeprofile.hot_hours`).
HOT_SHARE = 0.5
#: Share of the reports the hot hours in words hold (their hours, then their days).
WORDS_SHARE = 0.6
RECORD_COLUMNS = ("source", "id", "start", "end", "weight", "x", "y")


def records(selection_sql: str, params: Sequence) -> pd.DataFrame:
    """Time, weight and point (storage CRS) of every report of a selection.

    Parameters
    ----------
    selection_sql, params : str, sequence
        SQL selecting reports with at least the columns source, id, severity, at and geom
        (``gis.dashboard.filters.reports_sql``).

    Returns
    -------
    pandas.DataFrame
        Columns ``RECORD_COLUMNS``: start and end (UTC; end NaT for a moment), weight, x, y (a
        point on the report's geometry, metres).
    """
    sql = (
        "SELECT r.source, r.id, COALESCE(r.at, w.starts_at), "
        "CASE WHEN r.source = 'incident' THEN i.occurred_to END, COALESCE(r.severity, i.severity), "
        "ST_X(r.pt), ST_Y(r.pt) "
        "FROM (SELECT q.source, q.id, q.at, q.severity, ST_PointOnSurface(q.geom) AS pt "
        f"FROM ({selection_sql}) q) r "
        f"LEFT JOIN {Incident._meta.db_table} i ON r.source = 'incident' AND i.id = r.id "
        f"LEFT JOIN {WalkFinding._meta.db_table} f ON r.source = 'walk' AND f.id = r.id "
        f"LEFT JOIN {SafetyWalk._meta.db_table} w ON w.id = f.walk_id "
        "ORDER BY r.source, r.id"
    )
    with read_cursor() as cursor:
        cursor.execute(sql, list(params))
        rows = cursor.fetchall()
    frame = pd.DataFrame(rows, columns=["source", "id", "start", "end", "severity", "x", "y"])
    frame["start"] = pd.to_datetime(frame["start"], utc=True)
    frame["end"] = pd.to_datetime(frame["end"], utc=True)
    severity = pd.to_numeric(frame.pop("severity"), errors="coerce")
    frame["weight"] = (severity / MIDDLE_SEVERITY).fillna(1.0).astype(float)
    frame["x"] = frame["x"].astype(float)
    frame["y"] = frame["y"].astype(float)
    return frame[list(RECORD_COLUMNS)]


def _points(found: pd.DataFrame) -> gpd.GeoSeries:
    return gpd.GeoSeries(
        gpd.points_from_xy(found["x"], found["y"]), crs=f"EPSG:{settings.TRYGG_SRID}"
    )


def _by_segment(found: pd.DataFrame, municipality: Municipality) -> pd.DataFrame:
    """One row per record and nearest segment (ties split the weight)."""
    tolerance = PriorityParams().snap_tolerance_m
    segments = frames.segments(municipality)
    nearest = snapping.nearest_segment(_points(found), segments, max_distance_m=tolerance)
    out = found.iloc[nearest["row"].to_numpy()].reset_index(drop=True)
    out["place"] = nearest["segment_id"].to_numpy()
    out["weight"] = out["weight"].to_numpy() * nearest["share"].to_numpy()
    return out


def _by_polygons(found: pd.DataFrame, polygons: gpd.GeoDataFrame) -> pd.DataFrame:
    """One row per record and polygon containing it (`polygons`: id and geometry)."""
    points = gpd.GeoDataFrame(found.reset_index(drop=True), geometry=_points(found))
    joined = gpd.sjoin(points, polygons[["id", "geometry"]], predicate="intersects", how="inner")
    joined = joined.drop_duplicates(subset=["source", "id_left"], keep="first")
    out = pd.DataFrame(joined.drop(columns=["geometry", "index_right"]))
    return out.rename(columns={"id_left": "id", "id_right": "place"})


def hotspot_cells(run: AnalysisRun) -> gpd.GeoDataFrame:
    """The cells of a stored run: id (the cell's), category and polygon (storage CRS)."""
    cells = frames.frame(HotspotCell.objects.filter(run=run), "cell_id", "category")
    return cells.rename(columns={"cell_id": "id"})


def placed(
    found: pd.DataFrame,
    kind: str,
    *,
    municipality: Municipality | None = None,
    grid: SquareGrid | None = None,
    run: AnalysisRun | None = None,
) -> pd.DataFrame:
    """The records with the `place` each belongs to (records of no place are left out).

    Parameters
    ----------
    found : DataFrame
        From :func:`records`.
    kind : str
        One of ``PLACE_KINDS``.
    municipality : Municipality
        Whose segments or districts (kinds segment, district).
    grid : SquareGrid
        The analysis grid (kind cell).
    run : AnalysisRun
        The stored Gi* or emerging run (kind hotspot).
    """
    if kind not in PLACE_KINDS:
        raise ValueError(f"unknown place kind {kind!r}; expected one of {', '.join(PLACE_KINDS)}")
    if kind == "all":
        return found.assign(place="all")
    if found.empty:
        return found.assign(place=pd.Series(dtype=object))
    if kind == "cell":
        if grid is None:
            raise ValueError("the place kind cell needs a grid")
        cells = assign_points(grid, found["x"].to_numpy(), found["y"].to_numpy())
        return found.assign(place=cells)[cells >= 0]
    if kind == "segment":
        return _by_segment(found, municipality)
    if kind == "district":
        return _by_polygons(found, frames.districts(municipality))
    if run is None:
        raise ValueError("the place kind hotspot needs a stored run")
    return _by_polygons(found, hotspot_cells(run))


def profiles(found: pd.DataFrame, kind: str = "all", **place) -> pd.DataFrame:
    """Time profiles per place: one row per place, columns 0 … 167 (see :func:`placed`)."""
    rows = placed(found, kind, **place)
    return tp.time_profile(
        rows["start"],
        rows["end"],
        tz=settings.TIME_ZONE,
        weights=rows["weight"].to_numpy(),
        groups=rows["place"].to_numpy(),
    )


def profile_of(found: pd.DataFrame) -> np.ndarray:
    """The 168 bins of all `found` records together (zeros for none)."""
    table = profiles(found, "all")
    return table.iloc[0].to_numpy() if len(table) else np.zeros(tp.HOURS_OF_WEEK)


# --- for people -------------------------------------------------------------------------------


def weekday_names(short: bool = False) -> list[str]:
    """Monday … Sunday in the active language (short: "mån", "Mon")."""
    names = WEEKDAYS_ABBR if short else WEEKDAYS
    return [str(names[day]) for day in range(tp.DAYS_PER_WEEK)]


def _hour_window(hours: np.ndarray, share: float) -> tuple[int, int]:
    """The shortest run of clock hours (start, length; it may pass midnight) holding `share` of
    the day's total; of equally short runs, the one holding most (then the earliest)."""
    total = hours.sum()
    doubled = np.concatenate([hours, hours])
    for length in range(1, tp.HOURS_PER_DAY + 1):
        sums = np.array([doubled[s : s + length].sum() for s in range(tp.HOURS_PER_DAY)])
        if sums.max() >= share * total - 1e-9 * total:
            return int(np.argmax(sums)), length
    return 0, tp.HOURS_PER_DAY


def _days_text(days: list[int], short: bool) -> str:
    names = weekday_names(short)
    runs: list[list[int]] = []
    for day in days:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = []
    for run in runs:
        if len(run) >= 3 or (short and len(run) == 2):
            parts.append(f"{names[run[0]]}–{names[run[-1]]}")
        else:
            parts.extend(names[day] for day in run)
    if short or len(parts) == 1:
        return ", ".join(parts)
    return _("{first} and {last}").format(first=", ".join(parts[:-1]), last=parts[-1])


def hours_in_words(bins: Sequence[float], *, short: bool = False) -> str:
    """When a profile is hot, as people say it: "fredag och lördag 22–02" ("fre–lör 22–02"
    short); "" for an empty profile.

    The hours are the shortest run of clock hours (it may pass midnight) holding
    ``WORDS_SHARE`` of the reports; the days, the fewest weekdays holding that share of the
    reports in those hours, and the days as busy as the quietest of them. An hour after
    midnight belongs to the evening before (Friday night 22–02 is Friday's).
    """
    grid = tp.week_grid(bins)
    if grid.sum() <= 0:
        return ""
    start, length = _hour_window(grid.sum(axis=0), WORDS_SHARE)
    # Each weekday's reports in those hours; an hour past midnight is the evening before's.
    days = np.zeros(tp.DAYS_PER_WEEK)
    for offset in range(length):
        hour = (start + offset) % tp.HOURS_PER_DAY
        column = grid[:, hour]
        days += np.roll(column, -1) if start + offset >= tp.HOURS_PER_DAY else column
    order = np.argsort(-days, kind="stable")
    held = np.cumsum(days[order])
    count = int(np.searchsorted(held, WORDS_SHARE * days.sum() - 1e-9 * days.sum())) + 1
    # Days as busy as the quietest of those count too: five equal weekday afternoons are
    # "Monday–Friday", not the first three that happen to reach the share.
    chosen = sorted(int(d) for d in np.flatnonzero(days >= days[order[count - 1]]) if days[d] > 0)
    every_day = len(chosen) == tp.DAYS_PER_WEEK
    day_text = _("every day") if every_day else _days_text(chosen, short)
    end = (start + length) % tp.HOURS_PER_DAY
    return f"{day_text} {start:02d}–{end:02d}"


def summary(bins: Sequence[float], count: int) -> dict:
    """The API's and the pages' view of one profile: bins, 7 x 24 grid, total, hot hours
    (bins, hottest first), localised weekday names, number of records and hot hours in
    words (long and short)."""
    values = np.asarray(bins, dtype=float)
    return {
        "bins": [round(float(v), 4) for v in values],
        "grid": [[round(float(v), 4) for v in row] for row in tp.week_grid(values)],
        "total": round(float(values.sum()), 4),
        "hot_hours": tp.hot_hours(values, HOT_SHARE),
        "weekdays": weekday_names(),
        "weekdays_short": weekday_names(short=True),
        "records": int(count),
        "hot_text": hours_in_words(values),
        "hot_text_short": hours_in_words(values, short=True),
    }
