"""Prioritisation of physical-environment fixes (pure functions, metric CRS, metres).

Links resident pins, safety-walk findings and incidents to segments and green areas, measures
lighting, vegetation, camera coverage and footfall on each place, fits a Risk Terrain count
model, and ranks typed fixes routed to departments, each with structured reasons and a sentence.
Entry point: :func:`prioritise`; settings: :class:`PriorityParams`.
"""

from gis.priority.cameras import camera_coverage, viewsheds
from gis.priority.demand import decay_weight, demand_summary, place_links, report_items
from gis.priority.fixes import FIX_DEPARTMENT, build_fixes, relevant_demand
from gis.priority.followup import before_after
from gis.priority.footfall import edge_betweenness, node_ids
from gis.priority.lighting import (
    EN13201_P,
    lamp_gaps,
    lighting_class,
    lighting_evidence,
    lighting_verdict,
)
from gis.priority.params import FIX_TYPES, PriorityParams
from gis.priority.pipeline import PriorityResult, prioritise
from gis.priority.risk import fit_risk_terrain, overdispersion_test
from gis.priority.snapping import nearest_segment, segment_green_area, snap_features
from gis.priority.vegetation import blocks_sightline, vegetation_evidence

__all__ = [
    "EN13201_P",
    "FIX_DEPARTMENT",
    "FIX_TYPES",
    "PriorityParams",
    "PriorityResult",
    "before_after",
    "blocks_sightline",
    "build_fixes",
    "camera_coverage",
    "decay_weight",
    "demand_summary",
    "edge_betweenness",
    "fit_risk_terrain",
    "lamp_gaps",
    "lighting_class",
    "lighting_evidence",
    "lighting_verdict",
    "nearest_segment",
    "node_ids",
    "overdispersion_test",
    "place_links",
    "prioritise",
    "relevant_demand",
    "report_items",
    "segment_green_area",
    "snap_features",
    "vegetation_evidence",
    "viewsheds",
]
