"""`trygg load-osm FILE`: load an OpenStreetMap extract into a municipality's layers and the
basemap (layers.basemap_osm)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from gis.core.models import Municipality
from layers.importer import boundary_from_layers, import_layers
from layers.osm import OsmReadError, read_osm


class Command(BaseCommand):
    help = (
        "Load streets, lamps, vegetation, parks, cameras and the basemap (buildings, water, "
        "land use, rail, places) from an .osm.pbf or .osm file."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="OpenStreetMap extract (.osm.pbf or .osm XML)")
        parser.add_argument("--municipality", default="demo", help="municipality code")
        parser.add_argument(
            "--name", help="name when the municipality is created (default: the code)"
        )

    @transaction.atomic
    def handle(self, *args, file: str, municipality: str, name: str | None, **options) -> None:
        try:
            layers = read_osm(file)
        except OsmReadError as error:
            raise CommandError(str(error)) from error
        target = Municipality.objects.filter(code=municipality).first()
        if target is None:
            target = Municipality.objects.create(
                code=municipality, name=name or municipality, boundary=boundary_from_layers(layers)
            )
            self.stdout.write(f"created municipality {target.name} ({target.code})")
        report = import_layers(target, layers)
        self.stdout.write(report.line())
