"""Binary spatial weights as scipy.sparse CSR matrices (no self-neighbours).

Coordinates and distances are in metres of a projected CRS. Every builder returns a
symmetric 0/1 ``scipy.sparse.csr_matrix`` of shape (n, n) with an empty diagonal; Gi*
adds the self-weight itself.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from gis.analysis import _validation as check
from gis.core.lazy import lazy_attribute, lazy_module

np = lazy_module("numpy")
sparse = lazy_attribute("scipy", "sparse")
cKDTree = lazy_attribute("scipy.spatial", "cKDTree")  # noqa: N816 - scipy's name

#: Relative tolerance so that neighbours at exactly the band distance (e.g. 2 cells on a
#: lattice) are included despite floating-point rounding of the centre coordinates.
BAND_TOLERANCE = 1e-9


def distance_band_weights(
    x: Sequence[float], y: Sequence[float], distance: float
) -> sparse.csr_matrix:
    """Binary distance-band weights: j is a neighbour of i if 0 < |p_i - p_j| <= distance.

    Parameters
    ----------
    x, y : array-like
        Point (or cell-centre) coordinates in metres.
    distance : float
        Band distance in metres (inclusive, with a 1e-9 relative tolerance).

    Returns
    -------
    scipy.sparse.csr_matrix
        Symmetric 0/1 weights, float64, zero diagonal.
    """
    xa, ya = check.coordinates(x, y)
    d = check.positive("distance", distance)
    tree = cKDTree(np.column_stack([xa, ya]))
    pairs = tree.query_pairs(d * (1 + BAND_TOLERANCE), output_type="ndarray")
    n = xa.size
    i = np.concatenate([pairs[:, 0], pairs[:, 1]])
    j = np.concatenate([pairs[:, 1], pairs[:, 0]])
    w = sparse.csr_matrix((np.ones(i.size), (i, j)), shape=(n, n))
    w.sort_indices()
    return w


def disk_half_widths(
    cell_size: float, distance: float, max_offset: int | None = None
) -> dict[int, int]:
    """Half-width (in cells) of the disk of cells within ``distance``, per row offset.

    Cell (r + di, c + dj) is within the band of cell (r, c) iff ``|dj| <= half[di]``, i.e.
    ``(di^2 + dj^2) * cell_size^2 <= distance^2`` (1e-9 relative tolerance).

    Parameters
    ----------
    cell_size : float
        Cell edge in metres.
    distance : float
        Band distance in metres (inclusive).
    max_offset : int, optional
        Cap on |di| and on the half-widths (the grid size), so huge distances stay cheap.

    Returns
    -------
    dict of int to int
        ``{di: half_width}`` for every row offset di that has cells in the band.
    """
    cs = check.positive("cell_size", cell_size)
    d = check.positive("distance", distance)
    r2 = (d / cs) ** 2 * (1 + BAND_TOLERANCE) ** 2
    radius = math.isqrt(math.floor(r2))
    cap = radius if max_offset is None else min(radius, max_offset)
    half = {}
    for di in range(-cap, cap + 1):
        w = math.isqrt(math.floor(r2 - di * di))
        half[di] = w if max_offset is None else min(w, max_offset)
    return half


def disk_offsets(
    cell_size: float, distance: float, max_offset: int | None = None
) -> list[tuple[int, int]]:
    """Integer (drow, dcol) offsets of square-grid cells whose centres lie within ``distance``.

    Parameters
    ----------
    cell_size : float
        Cell edge in metres.
    distance : float
        Band distance in metres (inclusive, 1e-9 relative tolerance); includes (0, 0).
    max_offset : int, optional
        Cap on |drow| and |dcol| (the grid size).

    Returns
    -------
    list of (int, int)
    """
    half = disk_half_widths(cell_size, distance, max_offset)
    return [(di, dj) for di, w in half.items() for dj in range(-w, w + 1)]


def _offsets_to_csr(rows: int, cols: int, offsets: list[tuple[int, int]]) -> sparse.csr_matrix:
    ids = np.arange(rows * cols).reshape(rows, cols)
    src, dst = [], []
    for di, dj in offsets:
        if di == 0 and dj == 0:
            continue
        a = ids[max(0, -di) : rows - max(0, di), max(0, -dj) : cols - max(0, dj)]
        b = ids[max(0, di) : rows - max(0, -di), max(0, dj) : cols - max(0, -dj)]
        src.append(a.ravel())
        dst.append(b.ravel())
    n = rows * cols
    if not src:
        return sparse.csr_matrix((n, n))
    i, j = np.concatenate(src), np.concatenate(dst)
    w = sparse.csr_matrix((np.ones(i.size), (i, j)), shape=(n, n))
    w.sort_indices()
    return w


def grid_distance_weights(
    rows: int, cols: int, cell_size: float, distance: float
) -> sparse.csr_matrix:
    """Distance-band weights between the cells of a ``rows x cols`` square grid.

    Cells are numbered ``row * cols + col``; equivalent to :func:`distance_band_weights`
    on the cell centres, built from integer offsets (no tree search).

    Parameters
    ----------
    rows, cols : int
        Grid shape.
    cell_size : float
        Cell edge in metres.
    distance : float
        Band distance in metres between cell centres (inclusive).

    Returns
    -------
    scipy.sparse.csr_matrix
    """
    _check_shape(rows, cols)
    return _offsets_to_csr(rows, cols, disk_offsets(cell_size, distance, max(rows, cols)))


def grid_contiguity_weights(rows: int, cols: int, kind: str = "queen") -> sparse.csr_matrix:
    """Rook (shared edge) or queen (shared edge or corner) contiguity on a square grid.

    Parameters
    ----------
    rows, cols : int
        Grid shape; cells are numbered ``row * cols + col``.
    kind : {"queen", "rook"}

    Returns
    -------
    scipy.sparse.csr_matrix
    """
    _check_shape(rows, cols)
    if kind == "rook":
        offsets = [(-1, 0), (1, 0), (0, -1), (0, 1)]
    elif kind == "queen":
        offsets = [(di, dj) for di in (-1, 0, 1) for dj in (-1, 0, 1) if (di, dj) != (0, 0)]
    else:
        raise ValueError(f"kind must be 'queen' or 'rook', got {kind!r}")
    return _offsets_to_csr(rows, cols, offsets)


def _check_shape(rows: int, cols: int) -> None:
    if check.non_negative_int("rows", rows) < 1 or check.non_negative_int("cols", cols) < 1:
        raise ValueError(f"rows and cols must be >= 1, got {rows} x {cols}")
