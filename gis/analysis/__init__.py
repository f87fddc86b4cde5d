"""Pure analysis engine: heat maps (kernel density), grids, Gi* hot spots, emerging hot spots.

Everything works on numpy arrays / GeoDataFrames in a projected CRS with metres as the
unit (EPSG:3006 SWEREF 99 TM by default); nothing here imports Django.
"""

from gis.analysis.emerging import (
    CATEGORIES,
    EmergingResult,
    classify_emerging,
    emerging_hotspots,
)
from gis.analysis.fdr import FdrResult, fdr_bh
from gis.analysis.gistar import (
    GiStarResult,
    PermutationResult,
    classify_gi_bin,
    disk_sum,
    gistar_grid,
    gistar_permutation,
    gistar_sparse,
)
from gis.analysis.grids import (
    HexGrid,
    SquareGrid,
    assign_points,
    cell_centres,
    count_points,
    grid_to_geodataframe,
    make_hex_grid,
    make_square_grid,
)
from gis.analysis.kde import (
    DEFAULT_BANDWIDTH_M,
    DensityRaster,
    kernel_density,
    kernel_values,
    quartic_density_exact,
    suggest_bandwidth,
)
from gis.analysis.mannkendall import MannKendallResult, mann_kendall
from gis.analysis.raster import colour_legend, read_raster, render_png, wgs84_bounds, write_cog
from gis.analysis.spatial_weights import (
    distance_band_weights,
    grid_contiguity_weights,
    grid_distance_weights,
)

__all__ = [
    "CATEGORIES",
    "DEFAULT_BANDWIDTH_M",
    "DensityRaster",
    "EmergingResult",
    "FdrResult",
    "GiStarResult",
    "HexGrid",
    "MannKendallResult",
    "PermutationResult",
    "SquareGrid",
    "assign_points",
    "cell_centres",
    "classify_emerging",
    "classify_gi_bin",
    "colour_legend",
    "count_points",
    "disk_sum",
    "distance_band_weights",
    "emerging_hotspots",
    "fdr_bh",
    "gistar_grid",
    "gistar_permutation",
    "gistar_sparse",
    "grid_contiguity_weights",
    "grid_distance_weights",
    "grid_to_geodataframe",
    "kernel_density",
    "kernel_values",
    "make_hex_grid",
    "make_square_grid",
    "mann_kendall",
    "quartic_density_exact",
    "read_raster",
    "render_png",
    "suggest_bandwidth",
    "wgs84_bounds",
    "write_cog",
]
