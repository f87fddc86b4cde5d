"""The demo's analyses, computed once after its data are loaded, so `trygg demo` opens ready.

Stored as the commands store them (:mod:`gis.hotspots.runs`, :mod:`gis.fixes.persist`): a heat
map of every report (the default quartic kernel, 200 m), Gi* hot spots of every report, an
emerging hot spot analysis over the 24 months with the parameters under which the planted places
show their categories (:mod:`gis.demo.plan`), and last today's ranking of fixes. The emerging run
is the latest hot-spot run, so the dashboard's stored hot-spot layer shows its categories.

:func:`gis.demo.load.load_demo` does not call this: the test database holds the demo's data
only, and each test computes the runs it asks about.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from gis.core.models import Municipality
from gis.demo.plan import CELL_SIZE_M, DISTANCE_BAND_M, MONTHS, TIME_WINDOW_STEPS
from gis.fixes.persist import recompute
from gis.hotspots.models import AnalysisRun
from gis.hotspots.runs import run_emerging, run_gistar, run_heatmap


@dataclass(frozen=True)
class DemoAnalyses:
    """The stored runs of :func:`analyse_demo`."""

    heatmap: AnalysisRun
    gistar: AnalysisRun
    emerging: AnalysisRun
    ranking: AnalysisRun

    def describe(self) -> str:
        """One line for the demo's output: what was computed."""
        gistar = self.gistar.summary["categories"]
        emerging = self.emerging.summary["categories"]
        return (
            f"a heat map (run {self.heatmap.pk}), "
            f"{sum(n for c, n in gistar.items() if c.startswith('hot'))} Gi* hot-spot cells "
            f"(run {self.gistar.pk}), "
            f"{sum(n for c, n in emerging.items() if c.endswith('hot spot'))} emerging hot-spot "
            f"cells (run {self.emerging.pk}), "
            f"{self.ranking.summary['fixes']} ranked fixes (run {self.ranking.pk})"
        )


def analysed(municipality: Municipality) -> bool:
    """Whether the municipality has a stored ranking of fixes (then the demo is analysed)."""
    return AnalysisRun.objects.filter(
        municipality=municipality, kind=AnalysisRun.Kind.PRIORITISE
    ).exists()


@transaction.atomic
def analyse_demo(municipality: Municipality, now: datetime | None = None) -> DemoAnalyses:
    """Compute and store the demo's heat map, hot spots and ranking of fixes (all or nothing).

    Parameters
    ----------
    municipality : gis.core.models.Municipality
        The loaded demo municipality (storage CRS, metres).
    now : datetime, optional
        Aware end of the analysed period and date of the ranking; now when omitted.

    Returns
    -------
    DemoAnalyses
        The four stored runs.
    """
    now = timezone.now() if now is None else now
    heatmap = run_heatmap(municipality, until=now)
    gistar = run_gistar(municipality, until=now, cell_size=CELL_SIZE_M, distance=DISTANCE_BAND_M)
    emerging = run_emerging(
        municipality,
        months=MONTHS,
        end=now,
        cell_size=CELL_SIZE_M,
        distance=DISTANCE_BAND_M,
        time_window=TIME_WINDOW_STEPS,
    )
    ranking = recompute(municipality, as_of=now).run
    return DemoAnalyses(heatmap, gistar, emerging, ranking)
