"""The planted hotspots of the demo and the monthly report rates that make them.

The demo spans 24 monthly steps; step 23 is the current month. Each planted place is anchored
at a fraction (fx, fy) of the street network's extent and snapped to the nearest street
segment of the wanted kind. Its monthly count of reports (pins, findings and incidents together
follow `rate`) is drawn from a Poisson law on top of a thin background spread over the whole
network, and placed on the streets within PLACE_RADIUS_M of the place, so that an
emerging-hotspot analysis on a 100 m grid with a 150 m distance band and a neighbourhood time
step of 1 (ArcGIS Pro's default) finds each place as the category in `expected` (ArcGIS Pro's
definitions; see gis.analysis and gis.hotspots).

The rates are set so that the long-running places (intensifying, diminishing, persistent,
historical) are hot spots in at least 90 % of the months and the new / consecutive ones
clearly hot in their month(s). Gi* is relative to the whole space-time cube, so the places are
planted at comparable strengths: a weak place next to strong ones would not be significant.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

MONTHS = 24
SEED = 20261122
# The source of the records the demo makes (the OSM layers' records have "osm").
SOURCE = "demo"
# Suggested analysis parameters under which the planted categories are expected.
CELL_SIZE_M = 100.0
DISTANCE_BAND_M = 150.0
TIME_WINDOW_STEPS = 1
# Background: reports a month over the whole network (pins, incidents); walks add findings.
BACKGROUND_PINS_PER_MONTH = 30
BACKGROUND_INCIDENTS_PER_MONTH = 25
# Background evening and night pins and incidents are this many times as likely, per metre of
# street, on a street whose midpoint has no lamp within DARK_LAMP_DISTANCE_M (day ones do not
# care), so that lighting and evening reports go together on ordinary streets.
DARK_EVENING_FACTOR = 3.0
DARK_LAMP_DISTANCE_M = 25.0
# A planted place's reports lie on its own street segment (this share of them: the dark path
# itself is reported) and on the streets within PLACE_RADIUS_M of it, so each place is a
# cluster of a few grid cells (a Gi* hot spot is a cluster, not a single busy cell).
PLACE_RADIUS_M = 100.0
PLACE_SEGMENT_SHARE = 0.4


@dataclass(frozen=True)
class PlantedHotspot:
    """One planted place: where, what people report there, and how it changes month by month."""

    key: str
    fx: float
    fy: float
    category: str
    when: str
    expected: str
    rate: Callable[[int], float]
    description: str
    near_park: bool = False
    fixed_at_month: int | None = None


def _steady(level: float) -> Callable[[int], float]:
    return lambda month: level


PLANTED: tuple[PlantedHotspot, ...] = (
    PlantedHotspot(
        key="new_hidden_corner",
        fx=0.80,
        fy=0.85,
        category="hidden_place",
        when="evening",
        expected="new hot spot",
        rate=lambda m: 60.0 if m == MONTHS - 1 else 0.0,
        description="A construction fence made a hidden corner this month: new reports only now.",
    ),
    PlantedHotspot(
        key="intensifying_park_path",
        fx=0.25,
        fy=0.80,
        category="vegetation",
        when="evening",
        expected="intensifying hot spot",
        rate=lambda m: 28.0 + 0.6 * m,
        description="Shrubs along a park path grow over it; reports rise every month.",
        near_park=True,
    ),
    PlantedHotspot(
        key="diminishing_graffiti",
        fx=0.75,
        fy=0.45,
        category="graffiti",
        when="day",
        expected="diminishing hot spot",
        rate=lambda m: 48.0 - 0.9 * m,
        description="A graffiti wall being cleaned regularly: still reported, less and less.",
    ),
    PlantedHotspot(
        key="persistent_gathering",
        fx=0.45,
        fy=0.30,
        category="gathering",
        when="night",
        expected="persistent hot spot",
        rate=_steady(32.0),
        description="A square where groups gather at night, with police incidents, all along.",
    ),
    PlantedHotspot(
        key="fixed_dark_path",
        fx=0.20,
        fy=0.20,
        category="lighting",
        when="evening",
        expected="historical hot spot",
        rate=lambda m: 34.0 if m < MONTHS - 2 else 0.3,
        description="A dark path with broken lamps, repaired two months ago; the reports stopped.",
        fixed_at_month=MONTHS - 2,
    ),
    PlantedHotspot(
        key="moved_after_fix",
        fx=0.20,
        fy=0.55,
        category="gathering",
        when="evening",
        expected="consecutive hot spot",
        rate=lambda m: 50.0 if m >= MONTHS - 2 else 0.0,
        description="Once the dark path was lit, the group moved here: reports since the fix.",
    ),
)
