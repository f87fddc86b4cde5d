"""`trygg hotspots`: Gi* hot spots, or emerging hot spots over months, stored as a run.

    trygg hotspots [--municipality CODE] [--cell-size M] [--distance M]
                   [--study-area network|reports|extent] [--fdr]
                   [--since DATE] [--until DATE]                      (Gi* over a period)
    trygg hotspots --emerging [--months N] [--end DATE] [--time-window K]
                   [--alpha A] [--trend-alpha A] ...                  (emerging hot spots)
    common filters: [--category C] [--when W] [--source S] [--district ID|NAME] [--weighted]
                    [--max-cells N] [--user NAME]

Bad parameters stop the command with one line on stderr.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from gis.core.options import (
    moment_option,
    municipality_option,
    number_option,
    option_error,
)
from gis.hotspots.cube import STUDY_AREAS
from gis.hotspots.management.commands import _analysis_args as args
from gis.hotspots.runs import (
    DEFAULT_CELL_SIZE_M,
    DEFAULT_DISTANCE_M,
    DEFAULT_MONTHS,
    DEFAULT_TIME_WINDOW,
    MAX_HOTSPOT_CELLS,
    run_emerging,
    run_gistar,
)


class Command(BaseCommand):
    help = "Compute Gi* hot spots (or emerging hot spots with --emerging) and store them as a run."

    def add_arguments(self, parser) -> None:
        args.add_selection_arguments(parser)
        args.add_period_arguments(parser)
        parser.add_argument(
            "--emerging", action="store_true", help="emerging hot spots over monthly steps"
        )
        parser.add_argument(
            "--months",
            default=str(DEFAULT_MONTHS),
            help=f"monthly steps for --emerging, >= 10 (default {DEFAULT_MONTHS})",
        )
        parser.add_argument(
            "--end",
            help="last day (YYYY-MM-DD, included) or ISO datetime of --emerging (default now)",
        )
        parser.add_argument(
            "--cell-size", default=str(DEFAULT_CELL_SIZE_M), help="grid cell in metres (100)"
        )
        parser.add_argument(
            "--distance",
            default=str(DEFAULT_DISTANCE_M),
            help="neighbourhood band in metres (150)",
        )
        parser.add_argument(
            "--time-window",
            default=str(DEFAULT_TIME_WINDOW),
            help=f"previous steps in the neighbourhood (default {DEFAULT_TIME_WINDOW})",
        )
        parser.add_argument("--alpha", default="0.05", help="significance of hot/cold bins")
        parser.add_argument("--trend-alpha", default="0.05", help="significance of the trend")
        parser.add_argument("--fdr", action="store_true", help="false discovery rate correction")
        parser.add_argument(
            "--study-area",
            default="network",
            help=f"{', '.join(STUDY_AREAS)}: which cells are analysed (default network)",
        )
        parser.add_argument(
            "--max-cells", default=str(MAX_HOTSPOT_CELLS), help="refuse larger grids"
        )

    def handle(self, *positional, **options) -> None:
        emerging = options["emerging"]
        common = {
            "cell_size": number_option("--cell-size", options["cell_size"]),
            "distance": number_option("--distance", options["distance"]),
            "study_area": options["study_area"],
            "fdr": options["fdr"],
            "max_cells": number_option("--max-cells", options["max_cells"], integer=True),
        }
        if emerging:
            if options["since"] or options["until"]:
                raise CommandError(
                    "--since/--until are for Gi*; with --emerging give --months and --end"
                )
            extra = {
                "months": number_option("--months", options["months"], integer=True),
                "end": moment_option("--end", options["end"], end_of_day=True),
                "time_window": number_option("--time-window", options["time_window"], integer=True),
                "alpha": number_option("--alpha", options["alpha"]),
                "trend_alpha": number_option("--trend-alpha", options["trend_alpha"]),
            }
        else:
            if options["end"]:
                raise CommandError("--end is for --emerging; for Gi* give --since/--until")
            since, until = args.period(options)
            extra = {"since": since, "until": until}
        place = municipality_option(options["municipality"])
        selection = args.selection(options, place)
        who = args.user(options["user"])
        started = time.perf_counter()
        try:
            compute = run_emerging if emerging else run_gistar
            run = compute(place, selection, user=who, **common, **extra)
        except ValueError as error:
            raise option_error(error, args.OPTION_OF) from None
        elapsed = time.perf_counter() - started
        summary = run.summary
        what = (
            f"emerging hot spots run {run.pk} over {run.params['months']} months"
            if emerging
            else f"Gi* hot spots run {run.pk}"
        )
        categories = ", ".join(f"{name} {count}" for name, count in summary["categories"].items())
        self.stdout.write(
            f"{what}: {summary['n_reports']} reports ({selection.describe()}), "
            f"{summary['n_cells']} cells of {run.params['cell_size_m']:g} m, band "
            f"{run.params['distance_m']:g} m, {elapsed:.2f} s"
        )
        self.stdout.write(f"  {categories}")
