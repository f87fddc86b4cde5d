"""Emerging hot spots: each ArcGIS Pro category from a space-time cube built to produce it."""

import numpy as np
import pytest

from gis.analysis.emerging import CATEGORIES, classify_emerging, emerging_hotspots
from gis.analysis.gistar import gistar_grid
from gis.analysis.spatial_weights import grid_distance_weights

T, SIZE, CELL = 12, 15, 100.0
BAND = 1.5 * CELL  # the 3 x 3 block around a cell (queen neighbourhood + self)
TARGET = (7, 7)
H, C, N = 30.0, 0.0, 10.0  # block level making the target hot / cold / neutral


def _series(spec):
    """Expand a compact spec ({step: level}, default N) into T block levels."""
    levels = np.full(T, N)
    for step, level in spec.items():
        levels[step] = level
    return levels


SPECS = {
    "new hot spot": _series({T - 1: H}),
    "consecutive hot spot": _series({T - 3: H, T - 2: H, T - 1: H}),
    "intensifying hot spot": np.linspace(18.0, 40.0, T),
    "persistent hot spot": np.tile([28.0, 32.0], T // 2),
    "diminishing hot spot": np.linspace(40.0, 18.0, T),
    "sporadic hot spot": _series({2: H, 6: H, T - 1: H}),
    "oscillating hot spot": _series({3: C, 7: H, T - 1: H}),
    "historical hot spot": _series({t: H for t in range(T - 1)}),
    "new cold spot": _series({T - 1: C}),
    "consecutive cold spot": _series({T - 3: C, T - 2: C, T - 1: C}),
    "intensifying cold spot": np.linspace(6.0, 0.0, T),
    "persistent cold spot": np.tile([0.0, 1.0], T // 2),
    "diminishing cold spot": np.linspace(0.0, 6.0, T),
    "sporadic cold spot": _series({2: C, 6: C, T - 1: C}),
    "oscillating cold spot": _series({3: H, 7: C, T - 1: C}),
    "historical cold spot": _series({t: C for t in range(T - 1)}),
    "no pattern": _series({}),
}


def _cube(levels, seed=2024):
    """Poisson(10) background with the 3 x 3 block around TARGET set to ``levels[t]``."""
    rng = np.random.default_rng(seed)
    cube = rng.poisson(N, (len(levels), SIZE, SIZE)).astype(float)
    r, c = TARGET
    cube[:, r - 1 : r + 2, c - 1 : c + 2] = np.asarray(levels)[:, None, None]
    return cube


def _category(result):
    row = result.table.set_index("cell_id").loc[TARGET[0] * SIZE + TARGET[1]]
    return row["category"], row


def test_specs_cover_every_category():
    assert set(SPECS) == set(CATEGORIES)


@pytest.mark.parametrize("category", sorted(SPECS))
def test_constructed_cube_gives_category(category):
    result = emerging_hotspots(_cube(SPECS[category]), cell_size=CELL, distance=BAND)
    got, row = _category(result)
    assert got == category, row.to_dict()


def test_grid_and_sparse_paths_agree():
    cube = _cube(SPECS["oscillating hot spot"])
    grid = emerging_hotspots(cube, cell_size=CELL, distance=BAND)
    w = grid_distance_weights(SIZE, SIZE, CELL, BAND)
    cells = emerging_hotspots(cube.reshape(T, -1), weights=w)
    np.testing.assert_allclose(grid.z, cells.z, atol=1e-12)
    assert (grid.table["category"] == cells.table["category"]).all()
    # Per-step z-scores are plain Gi* of each time slice.
    np.testing.assert_allclose(grid.z[4], gistar_grid(cube[4], CELL, BAND).z.ravel(), atol=1e-12)


def test_output_columns_and_shares():
    result = emerging_hotspots(_cube(SPECS["sporadic hot spot"]), cell_size=CELL, distance=BAND)
    _, row = _category(result)
    assert row["n_hot"] == 3 and row["n_cold"] == 0
    assert row["share_hot"] == pytest.approx(3 / T)
    assert row["share_significant"] == pytest.approx(3 / T)
    assert row["final_z"] > 3 and row["final_p"] < 0.01
    assert {"row", "col", "trend_z", "trend_p", "trend_s"} <= set(result.table.columns)
    assert result.z.shape == (T, SIZE * SIZE)


def test_ninety_percent_rule_boundary():
    """Exactly 9 of 10 hot steps is 'persistent'; 8 of 10 (a final run) is 'consecutive'."""
    n_steps = 10
    z = np.zeros((n_steps, 2))
    z[1:, 0] = 4.0  # 90 %: hot in steps 1..9
    z[2:, 1] = 4.0  # 80 %: a run of 8 ending at the final step
    z[1::2, :] += 0.5  # wobble so the trend is not significant
    p = np.where(z >= 1, 1e-4, 0.9)
    table = classify_emerging(z, p)
    assert list(table["category"]) == ["persistent hot spot", "consecutive hot spot"]


def test_space_time_window_runs_and_keeps_strong_patterns():
    cube = _cube(SPECS["persistent hot spot"])
    result = emerging_hotspots(cube, cell_size=CELL, distance=BAND, time_window=1)
    assert _category(result)[0] == "persistent hot spot"
    plain = emerging_hotspots(cube, cell_size=CELL, distance=BAND)
    assert not np.allclose(result.z, plain.z)


def test_mask_excludes_cells_and_fdr_option():
    cube = _cube(SPECS["new hot spot"])
    mask = np.ones((SIZE, SIZE), bool)
    mask[:, :3] = False
    result = emerging_hotspots(cube, cell_size=CELL, distance=BAND, mask=mask, fdr=True)
    assert len(result.table) == mask.sum()
    assert (result.table["col"] >= 3).all()
    assert _category(result)[0] == "new hot spot"


def test_constant_time_step_is_not_significant():
    cube = _cube(SPECS["persistent hot spot"])
    cube[4] = 0.0  # e.g. a month without any report: Gi* undefined -> z = 0
    result = emerging_hotspots(cube, cell_size=CELL, distance=BAND)
    assert (result.z[4] == 0).all() and (result.p[4] == 1).all()
    assert np.isfinite(result.z).all()
    # 11 of 12 hot steps is still >= 90 %, and the final step is hot.
    assert _category(result)[0] == "persistent hot spot"


@pytest.mark.parametrize(
    ("kwargs", "cube_shape", "name"),
    [
        ({"cell_size": CELL, "distance": BAND}, (9, 5, 5), "time steps"),
        ({"cell_size": CELL}, (12, 5, 5), "distance"),
        ({"cell_size": -1.0, "distance": BAND}, (12, 5, 5), "cell_size"),
        ({"cell_size": CELL, "distance": 50.0}, (12, 5, 5), "distance"),
        ({"cell_size": CELL, "distance": BAND, "time_window": -1}, (12, 5, 5), "time_window"),
        ({"cell_size": CELL, "distance": BAND, "time_window": 12}, (12, 5, 5), "time_window"),
        ({"cell_size": CELL, "distance": BAND, "alpha": 2.0}, (12, 5, 5), "alpha"),
        ({"cell_size": CELL, "distance": BAND, "trend_alpha": 0.0}, (12, 5, 5), "trend_alpha"),
        ({"cell_size": CELL, "distance": BAND, "mask": np.ones((2, 2), bool)}, (12, 5, 5), "mask"),
        ({}, (12, 25), "weights"),
        ({}, (12,), "cube"),
    ],
)
def test_bad_parameters_raise(kwargs, cube_shape, name):
    cube = np.random.default_rng(0).poisson(3, cube_shape).astype(float)
    with pytest.raises(ValueError, match=name):
        emerging_hotspots(cube, **kwargs)
