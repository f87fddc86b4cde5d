"""`trygg heatmap`: compute and store a kernel density heat map of the reports.

    trygg heatmap [--municipality CODE] [--bandwidth M|auto] [--cell-size M] [--kernel K]
                  [--since DATE] [--until DATE] [--category C] [--when W] [--source S]
                  [--district ID|NAME] [--weighted] [--max-cells N] [--user NAME]

The raster is stored as a Cloud-Optimized GeoTIFF under MEDIA_ROOT/analysis/ with an
AnalysisRun. Bad parameters stop the command with one line on stderr.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from gis.analysis import DEFAULT_BANDWIDTH_M
from gis.core.options import (
    municipality_option,
    number_option,
    option_error,
)
from gis.hotspots.management.commands import _analysis_args as args
from gis.hotspots.runs import MAX_HEATMAP_CELLS, run_heatmap


class Command(BaseCommand):
    help = "Compute a heat map (kernel density) of the selected reports and store it as a run."

    def add_arguments(self, parser) -> None:
        args.add_selection_arguments(parser)
        args.add_period_arguments(parser)
        parser.add_argument(
            "--bandwidth",
            default=str(DEFAULT_BANDWIDTH_M),
            help=f"kernel radius in metres, or 'auto' (default {DEFAULT_BANDWIDTH_M:g})",
        )
        parser.add_argument("--cell-size", help="raster cell in metres (default bandwidth / 10)")
        parser.add_argument(
            "--kernel",
            default="quartic",
            help="quartic (default), epanechnikov, uniform, triangular",
        )
        parser.add_argument(
            "--max-cells", default=str(MAX_HEATMAP_CELLS), help="refuse larger rasters"
        )

    def handle(self, *positional, **options) -> None:
        bandwidth = (
            None
            if options["bandwidth"] == "auto"
            else number_option("--bandwidth", options["bandwidth"])
        )
        cell_size = number_option("--cell-size", options["cell_size"])
        max_cells = number_option("--max-cells", options["max_cells"], integer=True)
        since, until = args.period(options)
        place = municipality_option(options["municipality"])
        selection = args.selection(options, place)
        who = args.user(options["user"])
        started = time.perf_counter()
        try:
            run = run_heatmap(
                place,
                selection,
                since=since,
                until=until,
                bandwidth=bandwidth,
                cell_size=cell_size,
                kernel=options["kernel"],
                max_cells=max_cells,
                user=who,
            )
        except ValueError as error:
            raise option_error(error, args.OPTION_OF) from None
        elapsed = time.perf_counter() - started
        rows, cols = run.summary["shape"]
        self.stdout.write(
            f"heat map run {run.pk}: {run.summary['n_reports']} reports ({selection.describe()}), "
            f"bandwidth {run.params['bandwidth_m']:.0f} m"
            f"{' (suggested)' if run.params['bandwidth_suggested'] else ''}, "
            f"{run.params['cell_size_m']:g} m cells ({rows} x {cols}), "
            f"peak {run.summary['max_density'] * 1e6:.1f} reports/km², "
            f"raster {run.raster.name}, {elapsed:.2f} s"
        )
