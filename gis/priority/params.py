"""Adjustable settings of the prioritisation engine, validated once, in one dataclass.

All distances are metres in the shared metric CRS of the input frames; times are days or hours.

Fix types and their fixed departments (``clean`` goes to ``parks`` when its place lies in a green
area):

================  ==========  ====  ===========================================================
fix type          department  cost  generated when (see ``gis.priority.fixes``)
================  ==========  ====  ===========================================================
repair_lamps      street      1     broken lamps nearest to the segment (always, maintenance)
add_lighting      street      3     verdict dark/under_lit not explained by broken lamps alone
clear_vegetation  parks       1     sightline-blocking vegetation or vegetation reports
redesign          street      3     hidden-place reports (open up a hidden corner)
clean             street      1     graffiti / litter reports (parks inside green areas)
refer_police      police      1     traffic reports
refer_housing     housing     1     incidents reported by the housing company
refer_social      social      1     gathering reports
================  ==========  ====  ===========================================================

``relevance[fix][category] = (day, evening/night)`` weights say how much of the demand of each
report category a fix can relieve; the defaults below are the documented starting point for
planners and can be replaced wholesale (``dataclasses.replace(params, relevance=...)``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gis.priority._schema import CATEGORIES, INCIDENT_SOURCES, INCIDENT_TYPES

FIX_TYPES: tuple[str, ...] = (
    "repair_lamps",
    "add_lighting",
    "clear_vegetation",
    "redesign",
    "clean",
    "refer_police",
    "refer_housing",
    "refer_social",
)
EN13201_CLASSES: tuple[str, ...] = ("P1", "P2", "P3", "P4", "P5", "P6")

_LIGHTING_RELEVANCE = {
    "lighting": (1.0, 1.0),
    "hidden_place": (0.0, 0.5),
    "gathering": (0.0, 0.5),
    "vegetation": (0.0, 0.25),
    "graffiti": (0.0, 0.25),
    "litter": (0.0, 0.25),
    "wayfinding": (0.25, 0.5),
    "other": (0.0, 0.5),
}
DEFAULT_RELEVANCE: dict[str, dict[str, tuple[float, float]]] = {
    "repair_lamps": dict(_LIGHTING_RELEVANCE),
    "add_lighting": dict(_LIGHTING_RELEVANCE),
    "clear_vegetation": {
        "vegetation": (1.0, 1.0),
        "hidden_place": (0.5, 0.5),
        "lighting": (0.0, 0.25),
        "gathering": (0.0, 0.25),
        "other": (0.0, 0.25),
    },
    "redesign": {
        "hidden_place": (1.0, 1.0),
        "vegetation": (0.25, 0.25),
        "gathering": (0.25, 0.5),
        "other": (0.0, 0.25),
    },
    "clean": {"graffiti": (1.0, 1.0), "litter": (1.0, 1.0)},
    "refer_police": {"traffic": (1.0, 1.0)},
    "refer_housing": {c: (1.0, 1.0) for c in CATEGORIES},
    "refer_social": {"gathering": (1.0, 1.0)},
}
DEFAULT_COST_CLASSES: dict[str, int] = {
    "repair_lamps": 1,
    "add_lighting": 3,
    "clear_vegetation": 1,
    "redesign": 3,
    "clean": 1,
    "refer_police": 1,
    "refer_housing": 1,
    "refer_social": 1,
}
# EN 13201-2 P class per OSM highway value (configurable): busy pedestrian centres P2, shared
# and stepped ways P3, ordinary foot/cycle ways and residential streets P4, minor paths P5,
# tracks/bridleways P6.
DEFAULT_HIGHWAY_CLASS: dict[str, str] = {
    "pedestrian": "P2",
    "primary": "P2",
    "secondary": "P2",
    "tertiary": "P3",
    "living_street": "P3",
    "steps": "P3",
    "footway": "P4",
    "cycleway": "P4",
    "residential": "P4",
    "unclassified": "P4",
    "path": "P5",
    "service": "P5",
    "track": "P6",
    "bridleway": "P6",
}
DEFAULT_SOURCE_WEIGHTS: dict[str, float] = {
    "resident": 1.0,
    "safety_walk": 1.0,
    "police": 1.0,
    "guard": 0.8,
    "night_walkers": 0.8,
    "field_team": 0.8,
    "housing_company": 0.8,
}
DEFAULT_INCIDENT_CATEGORY: dict[str, str] = {
    "vandalism": "other",
    "graffiti": "graffiti",
    "glass": "litter",
    "fire": "other",
    "gathering": "gathering",
    "illegal_driving": "traffic",
    "other": "other",
}


@dataclass(frozen=True)
class PriorityParams:
    """Every tunable of the engine (metres, days, hours); invalid values raise ValueError.

    Attributes
    ----------
    snap_tolerance_m : float
        Reports farther than this from every segment fall back to green areas or unassigned.
    lux_tolerance_m : float
        Lux readings farther than this from every segment are unassigned.
    pin_severity, incident_severity : float
        Severity (1-5 scale of findings) given to resident pins and to incidents.
    vote_weight : float
        Each doubling of supporting votes multiplies a pin's weight by ``+vote_weight``:
        ``1 + vote_weight * log2(1 + votes)``.
    half_life_days : float
        Recency decay: weight ``0.5 ** (age_days / half_life_days)`` relative to ``as_of``.
    source_weights : mapping
        Weight per source: ``resident`` (pins), ``safety_walk`` (findings), incident sources.
    excluded_pin_statuses : tuple of str
        Pin statuses not counted (they are listed in ``unassigned`` with that reason).
    timezone : str
        IANA zone whose local clock hour decides an incident's period; the hours of day,
        evening and night are not tunable here, they are :mod:`gis.core.timeofday`'s.
    incident_category : mapping
        Report category of each incident type.
    highway_class, default_class : mapping, str
        EN 13201 P class per OSM highway value, and for values not in the mapping.
    lamp_buffer_m, max_lamp_gap_m : float
        Lamps within the buffer are projected onto the segment; a larger gap is flagged.
    sightline_buffer_m : float
        Vegetation within this distance of the path counts.
    shrub_height_m : (float, float)
        Scrub/hedge heights in this range block eye-level sightlines.
    camera_quad_segs : int
        Vertices per quarter circle of a viewshed arc.
    footfall_k, footfall_seed : int
        Sampled sources for betweenness and their seed.
    footfall_exact_max_nodes, footfall_networkx_max_nodes : int
        Exact networkx betweenness up to the first size, sampled networkx up to the second,
        sampled shortest-path trees with scipy above (see ``gis.priority.footfall``).
    footfall_floor : float
        ``footfall_factor = floor + (1 - floor) * footfall`` keeps quiet paths in the ranking.
    node_precision_m : float
        Grid for deriving node ids from endpoints when ``u``/``v`` are missing.
    green_share_min : float
        A segment belongs to a green area when this share of its length lies inside.
    risk_alpha : float
        Relative risks enter scores only when their p-value is below this.
    rr_bounds : (float, float)
        Relative risks used in scores are clipped to this range.
    cost_classes : mapping
        Cost class (positive integer) per fix type.
    relevance : mapping
        ``relevance[fix][category] = (day, night)`` demand weights per fix type.
    housing_sources : tuple of str
        Incident sources whose reports make a ``refer_housing`` fix.
    min_demand : float
        Fixes other than ``repair_lamps`` need relevant demand above this.
    """

    snap_tolerance_m: float = 25.0
    lux_tolerance_m: float = 15.0
    pin_severity: float = 3.0
    incident_severity: float = 3.0
    vote_weight: float = 0.5
    half_life_days: float = 180.0
    source_weights: Mapping[str, float] = field(
        default_factory=lambda: dict(DEFAULT_SOURCE_WEIGHTS)
    )
    excluded_pin_statuses: tuple[str, ...] = ("rejected", "duplicate", "spam")
    timezone: str = "Europe/Stockholm"
    incident_category: Mapping[str, str] = field(
        default_factory=lambda: dict(DEFAULT_INCIDENT_CATEGORY)
    )
    highway_class: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_HIGHWAY_CLASS))
    default_class: str = "P4"
    lamp_buffer_m: float = 20.0
    max_lamp_gap_m: float = 40.0
    sightline_buffer_m: float = 3.0
    shrub_height_m: tuple[float, float] = (0.7, 2.5)
    camera_quad_segs: int = 16
    footfall_k: int = 64
    footfall_seed: int = 0
    footfall_exact_max_nodes: int = 500
    footfall_networkx_max_nodes: int = 10_000
    footfall_floor: float = 0.25
    node_precision_m: float = 0.01
    green_share_min: float = 0.5
    risk_alpha: float = 0.05
    rr_bounds: tuple[float, float] = (0.5, 4.0)
    cost_classes: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_COST_CLASSES))
    relevance: Mapping[str, Mapping[str, tuple[float, float]]] = field(
        default_factory=lambda: {k: dict(v) for k, v in DEFAULT_RELEVANCE.items()}
    )
    housing_sources: tuple[str, ...] = ("housing_company",)
    min_demand: float = 0.0

    def __post_init__(self) -> None:
        for name in (
            "snap_tolerance_m",
            "lux_tolerance_m",
            "pin_severity",
            "incident_severity",
            "half_life_days",
            "lamp_buffer_m",
            "max_lamp_gap_m",
            "sightline_buffer_m",
            "node_precision_m",
        ):
            _positive(name, getattr(self, name))
        for name in ("vote_weight", "min_demand"):
            _non_negative(name, getattr(self, name))
        for name in ("footfall_k", "footfall_exact_max_nodes", "footfall_networkx_max_nodes"):
            _positive_int(name, getattr(self, name))
        _positive_int("camera_quad_segs", self.camera_quad_segs)
        if not isinstance(self.footfall_seed, int):
            raise ValueError(f"footfall_seed must be an int, got {self.footfall_seed!r}")
        _unit_interval("footfall_floor", self.footfall_floor, closed_high=True)
        _unit_interval("green_share_min", self.green_share_min, closed_high=True)
        _unit_interval("risk_alpha", self.risk_alpha, closed_high=False)
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise ValueError(f"timezone must be an IANA zone name, got {self.timezone!r}") from None
        low, high = _pair("shrub_height_m", self.shrub_height_m)
        if not (0 <= low < high):
            raise ValueError(f"shrub_height_m must satisfy 0 <= low < high, got {(low, high)}")
        low, high = _pair("rr_bounds", self.rr_bounds)
        if not (0 < low <= 1 <= high):
            raise ValueError(f"rr_bounds must satisfy 0 < low <= 1 <= high, got {(low, high)}")
        self._check_mappings()

    def _check_mappings(self) -> None:
        sources = {"resident", "safety_walk", *INCIDENT_SOURCES}
        if set(self.source_weights) != sources:
            raise ValueError(f"source_weights must have exactly the keys {sorted(sources)}")
        for key, w in self.source_weights.items():
            _non_negative(f"source_weights[{key!r}]", w)
        if set(self.incident_category) != set(INCIDENT_TYPES):
            raise ValueError(f"incident_category must have exactly the keys {list(INCIDENT_TYPES)}")
        bad = sorted(set(self.incident_category.values()) - set(CATEGORIES))
        if bad:
            raise ValueError(f"incident_category has unknown categories {bad}")
        if self.default_class not in EN13201_CLASSES:
            raise ValueError(
                f"default_class must be one of {EN13201_CLASSES}, got {self.default_class!r}"
            )
        bad = sorted(set(self.highway_class.values()) - set(EN13201_CLASSES))
        if bad:
            raise ValueError(f"highway_class has unknown EN 13201 classes {bad}")
        if set(self.cost_classes) != set(FIX_TYPES):
            raise ValueError(f"cost_classes must have exactly the keys {list(FIX_TYPES)}")
        for key, c in self.cost_classes.items():
            if not isinstance(c, int) or isinstance(c, bool) or c < 1:
                raise ValueError(f"cost_classes[{key!r}] must be an int >= 1, got {c!r}")
        bad = sorted(set(self.relevance) - set(FIX_TYPES))
        if bad:
            raise ValueError(f"relevance has unknown fix types {bad}")
        for fix, table in self.relevance.items():
            unknown = sorted(set(table) - set(CATEGORIES))
            if unknown:
                raise ValueError(f"relevance[{fix!r}] has unknown categories {unknown}")
            for cat, pair in table.items():
                day, night = _pair(f"relevance[{fix!r}][{cat!r}]", pair)
                _non_negative(f"relevance[{fix!r}][{cat!r}]", min(day, night))
        bad = sorted(set(self.housing_sources) - set(INCIDENT_SOURCES))
        if bad:
            raise ValueError(f"housing_sources has unknown sources {bad}")


def _number(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise ValueError(f"{name} must be a number, got {value!r}")
    return float(value)


def _positive(name: str, value: object) -> None:
    if _number(name, value) <= 0 or value == float("inf"):
        raise ValueError(f"{name} must be > 0 and finite, got {value}")


def _non_negative(name: str, value: object) -> None:
    if _number(name, value) < 0 or value == float("inf"):
        raise ValueError(f"{name} must be >= 0 and finite, got {value}")


def _positive_int(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be an int >= 1, got {value!r}")


def _unit_interval(name: str, value: object, *, closed_high: bool) -> None:
    v = _number(name, value)
    if closed_high and not 0 <= v <= 1:
        raise ValueError(f"{name} must be in [0, 1], got {value}")
    if not closed_high and not 0 < v < 1:
        raise ValueError(f"{name} must be in (0, 1), got {value}")


def _pair(name: str, value: object) -> tuple[float, float]:
    if not isinstance(value, tuple | list) or len(value) != 2:
        raise ValueError(f"{name} must be a pair (low, high), got {value!r}")
    return _number(name, value[0]), _number(name, value[1])


def check_positive(name: str, value: object) -> float:
    """Return ``value`` as float or raise ValueError naming ``name`` unless finite and > 0."""
    _positive(name, value)
    return float(value)  # type: ignore[arg-type]
