"""`trygg import LAYER FILE`: import a municipality's own register or a partner's list into a
layer, as one batch (see docs/import.md)."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gis.core.options import municipality_option
from layers import batches
from layers.imports import ImportFileError
from layers.imports.columns import parse_pairs, parse_value_maps

# The options a profile keeps (the mapping of an export), with their command-line spelling.
PROFILE_OPTIONS = (
    "source",
    "id_column",
    "crs",
    "lon",
    "lat",
    "x",
    "y",
    "wkt",
    "map",
    "values",
    "set",
)


class Command(BaseCommand):
    help = (
        "Import a GeoPackage, Shapefile (plain or zipped), GeoJSON, FlatGeobuf, KML, CSV or XLSX "
        "file into a layer: districts, lamps, lux_readings, vegetation, green_areas, cameras, "
        "incidents, street_segments or properties."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("layer", choices=sorted(batches.LAYERS), help="the target layer")
        parser.add_argument("file", help="the file to import")
        parser.add_argument("--municipality", help="municipality code")
        parser.add_argument(
            "--layer", dest="layer_name", help="the file's layer, when it holds several"
        )
        parser.add_argument("--source", help="the source's name (default: import)")
        parser.add_argument("--id-column", help="the column holding the source's own id")
        parser.add_argument("--crs", help="the CRS of a file without one, e.g. EPSG:3008")
        parser.add_argument("--lon", help="longitude column (degrees)")
        parser.add_argument("--lat", help="latitude column (degrees)")
        parser.add_argument("--x", help="easting column (with --crs)")
        parser.add_argument("--y", help="northing column (with --crs)")
        parser.add_argument("--wkt", help="WKT geometry column (with --crs)")
        parser.add_argument("--map", action="append", metavar="COLUMN=FIELD", help="map a column")
        parser.add_argument(
            "--values", action="append", metavar="FIELD:SOURCE_VALUE=VALUE", help="map a value"
        )
        parser.add_argument("--set", action="append", metavar="FIELD=VALUE", help="a constant")
        parser.add_argument("--profile", help="reuse a saved mapping")
        parser.add_argument("--save-profile", help="save this mapping under a name")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="remove this source's objects missing from the file",
        )
        parser.add_argument("--dry-run", action="store_true", help="report, write nothing")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, **options) -> None:
        municipality = municipality_option(options["municipality"])
        layer = options["layer"]
        try:
            given = {name: options[name] for name in PROFILE_OPTIONS}
            if options["profile"]:
                saved = batches.load_profile(municipality, options["profile"], layer)
                for name, value in saved.items():
                    if name in given and not given[name]:
                        given[name] = value
            location = {n: given[n] for n in ("lon", "lat", "x", "y", "wkt") if given[n]}
            plan = batches.ImportOptions(
                layer=layer,
                path=Path(options["file"]),
                layer_name=options["layer_name"],
                municipality=municipality,
                source=(given["source"] or options["profile"] or "import")[:32],
                id_column=given["id_column"],
                crs=given["crs"],
                location=location,
                maps=parse_pairs("--map", given["map"]),
                values=parse_value_maps(given["values"]),
                sets=parse_pairs("--set", given["set"]),
                replace=options["replace"],
                dry_run=options["dry_run"],
                imported_by=getpass.getuser(),
            )
            result = batches.run_import(plan)
        except ImportFileError as error:
            raise CommandError(str(error)) from None
        if options["save_profile"] and not options["dry_run"]:
            kept = {name: value for name, value in given.items() if value}
            batches.save_profile(municipality, options["save_profile"], layer, kept)
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
            return
        what = "dry run" if result.batch is None else f"batch {result.batch}"
        self.stdout.write(
            f"{what}: {layer}: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged, {result.removed} removed, "
            f"{len(result.rejected)} rejected"
        )
        for rejected in result.rejected[:50]:
            self.stdout.write(f"  row {rejected['row']}: {rejected['reason']}")
        if len(result.rejected) > 50:
            self.stdout.write(f"  … and {len(result.rejected) - 50} more (see --json)")
