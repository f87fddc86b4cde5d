"""Square and hexagonal analysis grids, with fast point-to-cell assignment.

All coordinates and sizes are in metres of a projected (metric) CRS. Assignment is pure
vectorised arithmetic on the grid geometry (no spatial join), so millions of points are
counted in well under a second.

Conventions
-----------
* Square grid: ``cell_id = row * cols + col``; row 0 is the northernmost row (the same
  order as a north-up raster), col 0 the westernmost column. A point on a shared edge
  goes to the cell east / south of it; points outside the grid get id -1.
* Hexagonal grid: ``cell_size`` is the distance between the centres of two adjacent
  hexagons (the flat-to-flat width); edge length = cell_size / sqrt(3), area =
  sqrt(3) / 2 * cell_size^2. "pointy" hexagons have a vertex at the top and are laid out
  in rows (row index grows northwards, odd rows shifted east by half a cell); "flat"
  hexagons have an edge at the top and are laid out in columns (col index grows eastwards,
  odd columns shifted north by half a cell). Cells whose hexagon overlaps the extent are
  kept and numbered 0..n-1 in (row, col) order. Axial coordinates (q, r) follow the usual
  "cube coordinate" convention (q + r + s = 0) of the pointy / flat layout.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from gis.analysis import _validation as check
from gis.core.lazy import lazy_module

gpd = lazy_module("geopandas")
np = lazy_module("numpy")
shapely = lazy_module("shapely")

DEFAULT_MAX_GRID_CELLS = 10_000_000
_SQRT3 = math.sqrt(3.0)


@dataclass(frozen=True)
class SquareGrid:
    """A north-up square grid: origin (xmin, ymax) in metres, ``rows x cols`` cells."""

    xmin: float
    ymax: float
    cell_size: float
    rows: int
    cols: int

    @property
    def n_cells(self) -> int:
        """Number of cells."""
        return self.rows * self.cols

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """(xmin, ymin, xmax, ymax) in metres."""
        cs = self.cell_size
        return self.xmin, self.ymax - self.rows * cs, self.xmin + self.cols * cs, self.ymax


@dataclass(frozen=True)
class HexGrid:
    """A hexagonal grid (see module docstring for the layout).

    ``(u0, v0)`` is the centre of offset cell (0, 0) in the layout frame: (x, y) for
    "pointy" grids, (y, x) for "flat" ones (a flat grid is a pointy grid transposed).
    ``lookup`` maps the offset index ``row * cols + col`` of the full layout to a cell id,
    or -1 where the hexagon lies outside the extent; ``row`` / ``col`` hold each kept
    cell's offset coordinates.
    """

    u0: float
    v0: float
    cell_size: float
    orientation: str
    rows: int
    cols: int
    lookup: np.ndarray
    row: np.ndarray
    col: np.ndarray

    @property
    def n_cells(self) -> int:
        """Number of kept cells."""
        return int(self.row.size)


def make_square_grid(
    extent: Sequence[float], cell_size: float, *, max_cells: int = DEFAULT_MAX_GRID_CELLS
) -> SquareGrid:
    """Square grid covering an extent; extended east/south to whole cells.

    Parameters
    ----------
    extent : (xmin, ymin, xmax, ymax)
        Extent in metres of a projected CRS.
    cell_size : float
        Cell edge in metres.
    max_cells : int
        Refuse grids with more cells than this.

    Returns
    -------
    SquareGrid
    """
    xmin, ymin, xmax, ymax = check.extent(extent)
    cs = check.positive("cell_size", cell_size)
    cols = check.n_cells(xmax - xmin, cs)
    rows = check.n_cells(ymax - ymin, cs)
    if rows * cols > max_cells:
        raise ValueError(
            f"cell_size {cs} m would make {rows * cols} cells, more than max_cells {max_cells}"
        )
    return SquareGrid(xmin, ymax, cs, rows, cols)


def _to_frame(grid: HexGrid, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Map (x, y) into the pointy-layout frame (u, v); flat grids are pointy transposed."""
    return (x, y) if grid.orientation == "pointy" else (y, x)


def _hex_centres_frame(grid: HexGrid) -> tuple[np.ndarray, np.ndarray]:
    s = grid.cell_size
    u = grid.u0 + s * (grid.col + 0.5 * (grid.row & 1))
    v = grid.v0 + s * _SQRT3 / 2 * grid.row
    return u, v


def make_hex_grid(
    extent: Sequence[float],
    cell_size: float,
    *,
    orientation: str = "pointy",
    max_cells: int = DEFAULT_MAX_GRID_CELLS,
) -> HexGrid:
    """Hexagonal grid whose cells overlap an extent.

    Parameters
    ----------
    extent : (xmin, ymin, xmax, ymax)
        Extent in metres of a projected CRS.
    cell_size : float
        Distance between adjacent hexagon centres in metres (flat-to-flat width).
    orientation : {"pointy", "flat"}
        Vertex at the top ("pointy", rows of cells) or edge at the top ("flat").
    max_cells : int
        Refuse grids with more cells than this.

    Returns
    -------
    HexGrid
    """
    xmin, ymin, xmax, ymax = check.extent(extent)
    s = check.positive("cell_size", cell_size)
    if orientation not in ("pointy", "flat"):
        raise ValueError(f"orientation must be 'pointy' or 'flat', got {orientation!r}")
    umin, vmin, umax, vmax = (
        (xmin, ymin, xmax, ymax) if orientation == "pointy" else (ymin, xmin, ymax, xmax)
    )
    dv = s * _SQRT3 / 2
    u0, v0 = umin - s, vmin - dv
    cols = check.n_cells(umax - u0, s) + 2
    rows = check.n_cells(vmax - v0, dv) + 2
    if rows * cols > 2 * max_cells:
        raise ValueError(
            f"cell_size {s} m would make about {rows * cols} cells, more than max_cells {max_cells}"
        )
    rr, cc = np.divmod(np.arange(rows * cols, dtype=np.int64), cols)
    full = HexGrid(u0, v0, s, orientation, rows, cols, np.empty(0, np.int64), rr, cc)
    polys = _hex_polygons(full)
    box = shapely.box(xmin, ymin, xmax, ymax)
    keep = shapely.intersects(polys, box) & ~shapely.touches(polys, box)
    if keep.sum() > max_cells:
        raise ValueError(
            f"cell_size {s} m would make {keep.sum()} cells, more than max_cells {max_cells}"
        )
    lookup = np.full(rows * cols, -1, dtype=np.int64)
    lookup[keep] = np.arange(int(keep.sum()))
    return HexGrid(u0, v0, s, orientation, rows, cols, lookup, rr[keep], cc[keep])


def _hex_polygons(grid: HexGrid) -> np.ndarray:
    u, v = _hex_centres_frame(grid)
    radius = grid.cell_size / _SQRT3
    angles = np.deg2rad(30.0 + 60.0 * np.arange(7))
    pu = u[:, None] + radius * np.cos(angles)[None, :]
    pv = v[:, None] + radius * np.sin(angles)[None, :]
    px, py = (pu, pv) if grid.orientation == "pointy" else (pv, pu)
    return shapely.polygons(np.stack([px, py], axis=-1))


def cell_centres(grid: SquareGrid | HexGrid) -> tuple[np.ndarray, np.ndarray]:
    """Cell-centre coordinates (x, y) in metres, in cell-id order.

    Parameters
    ----------
    grid : SquareGrid or HexGrid

    Returns
    -------
    tuple of numpy.ndarray
        x and y, each of length ``grid.n_cells``.
    """
    if isinstance(grid, SquareGrid):
        row, col = np.divmod(np.arange(grid.n_cells), grid.cols)
        return (
            grid.xmin + (col + 0.5) * grid.cell_size,
            grid.ymax - (row + 0.5) * grid.cell_size,
        )
    u, v = _hex_centres_frame(grid)
    return (u, v) if grid.orientation == "pointy" else (v, u)


def grid_to_geodataframe(grid: SquareGrid | HexGrid, crs: str | None = None) -> gpd.GeoDataFrame:
    """The grid as polygons.

    Parameters
    ----------
    grid : SquareGrid or HexGrid
    crs : str, optional
        CRS of the grid coordinates (e.g. "EPSG:3006").

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``cell_id``, ``row``, ``col`` (and axial ``q``, ``r`` for hex grids) and
        the cell polygon, in cell-id order.
    """
    ids = np.arange(grid.n_cells, dtype=np.int64)
    if isinstance(grid, SquareGrid):
        row, col = np.divmod(ids, grid.cols)
        cs = grid.cell_size
        x0 = grid.xmin + col * cs
        y1 = grid.ymax - row * cs
        geom = shapely.box(x0, y1 - cs, x0 + cs, y1)
        data = {"cell_id": ids, "row": row, "col": col}
    else:
        geom = _hex_polygons(grid)
        row, col = grid.row, grid.col
        q = col - (row - (row & 1)) // 2
        names = (
            ("row", "col", "q", "r") if grid.orientation == "pointy" else ("col", "row", "r", "q")
        )
        data = {"cell_id": ids, **dict(zip(names, (row, col, q, row), strict=True))}
    return gpd.GeoDataFrame(data, geometry=geom, crs=crs)


def _hex_round(qf: np.ndarray, rf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Round fractional axial coordinates to the containing hexagon (cube rounding)."""
    sf = -qf - rf
    q, r, s = np.rint(qf), np.rint(rf), np.rint(sf)
    dq, dr, ds = np.abs(q - qf), np.abs(r - rf), np.abs(s - sf)
    fix_q = (dq > dr) & (dq > ds)
    fix_r = ~fix_q & (dr > ds)
    q = np.where(fix_q, -r - s, q)
    r = np.where(fix_r, -q - s, r)
    return q.astype(np.int64), r.astype(np.int64)


def assign_points(grid: SquareGrid | HexGrid, x: Sequence[float], y: Sequence[float]) -> np.ndarray:
    """Cell id of every point (vectorised arithmetic, no spatial join).

    Parameters
    ----------
    grid : SquareGrid or HexGrid
    x, y : array-like
        Point coordinates in metres, same CRS as the grid.

    Returns
    -------
    numpy.ndarray
        int64 cell ids, -1 for points outside the grid.
    """
    xa, ya = check.coordinates(x, y)
    if isinstance(grid, SquareGrid):
        col = np.floor((xa - grid.xmin) / grid.cell_size)
        row = np.floor((grid.ymax - ya) / grid.cell_size)
        inside = (col >= 0) & (col < grid.cols) & (row >= 0) & (row < grid.rows)
        ids = row.astype(np.int64) * grid.cols + col.astype(np.int64)
        return np.where(inside, ids, -1)
    u, v = _to_frame(grid, xa, ya)
    s = grid.cell_size
    rf = (v - grid.v0) / (s * _SQRT3 / 2)
    qf = (u - grid.u0) / s - rf / 2
    q, r = _hex_round(qf, rf)
    col = q + (r - (r & 1)) // 2
    inside = (col >= 0) & (col < grid.cols) & (r >= 0) & (r < grid.rows)
    flat = np.where(inside, r * grid.cols + col, 0)
    return np.where(inside, grid.lookup[flat], -1)


def count_points(
    grid: SquareGrid | HexGrid,
    x: Sequence[float],
    y: Sequence[float],
    weights: Sequence[float] | None = None,
) -> np.ndarray:
    """Number (or weighted sum) of points per cell; points outside the grid are ignored.

    Parameters
    ----------
    grid : SquareGrid or HexGrid
    x, y : array-like
        Point coordinates in metres.
    weights : array-like, optional
        Non-negative weight per point.

    Returns
    -------
    numpy.ndarray
        float64 array of length ``grid.n_cells`` in cell-id order (reshape a square grid's
        result to ``(rows, cols)`` for a north-up image).
    """
    ids = assign_points(grid, x, y)
    wa = check.weights(weights, ids.size)
    keep = ids >= 0
    w = None if wa is None else wa[keep]
    return np.bincount(ids[keep], weights=w, minlength=grid.n_cells).astype(np.float64)
