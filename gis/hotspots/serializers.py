"""Serializers of the heat map and the hot spots: the heat-map overlay (its PNG's address,
corners and legend), the live Gi* cells of the selected reports and the cells of a stored run.

Geometry and corners are GeoJSON / degrees in WGS 84 (RFC 7946); densities are reports per km²;
instants are ISO 8601 in UTC.
"""

from __future__ import annotations

from rest_framework import serializers
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from gis.core import textguard
from gis.core.api.fields import ConstantField, UtcDateTimeField, WGS84GeometryField
from gis.core.textguard import TextInputSerializerMixin
from gis.hotspots.models import HotspotCell

#: The unit of the heat map's legend.
DENSITY_UNITS = "reports/km²"


class LegendEntrySerializer(textguard.Serializer):
    """One step of the heat map's colour scale."""

    value = serializers.FloatField(help_text="Reports per km² (1 decimal).")
    colour = serializers.CharField(help_text="#rrggbb")


class HeatmapSerializer(textguard.Serializer):
    """The heat map of the selected reports: the PNG's address, its corners and bounds in WGS 84,
    the legend and the density estimate's parameters; only `empty` and `version` when no report
    is selected."""

    # Serializes a computed heat map: `overlay` (`bounds` west, south, east, north in degrees,
    # `legend` of (density, colour) pairs, `params`; None without reports) and the data
    # `version`. context["url"] is the PNG's address.

    empty = serializers.BooleanField()
    version = serializers.CharField(help_text="Changes whenever a report changes.")
    url = serializers.CharField(required=False, help_text="The PNG of the heat map.")
    coordinates = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2),
        min_length=4,
        max_length=4,
        required=False,
        help_text="Corners [lon, lat]: north-west, north-east, south-east, south-west.",
    )
    bounds = serializers.ListField(
        child=serializers.FloatField(),
        min_length=4,
        max_length=4,
        required=False,
        help_text="west, south, east, north.",
    )
    legend = LegendEntrySerializer(many=True, required=False)
    units = serializers.CharField(required=False)
    params = serializers.DictField(required=False, help_text="The density estimate's parameters.")

    def to_representation(self, heat):
        overlay = heat.overlay
        if overlay is None:
            return super().to_representation({"empty": True, "version": heat.version})
        west, south, east, north = overlay.bounds
        return super().to_representation(
            {
                "empty": False,
                "version": heat.version,
                "url": self.context["url"],
                "coordinates": [[west, north], [east, north], [east, south], [west, south]],
                "bounds": [west, south, east, north],
                "legend": [
                    {"value": round(value, 1), "colour": colour} for value, colour in overlay.legend
                ],
                "units": DENSITY_UNITS,
                "params": overlay.params,
            }
        )


class PlaceField(serializers.CharField):
    """The `place` of a cell: empty here, named by the view after serialising
    (:func:`gis.hotspots.places.with_places`)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault(
            "help_text",
            "The place at the cell's centre as people name it, in the language of the labels; "
            "empty where no named place is near.",
        )
        super().__init__(read_only=True, default="", **kwargs)


class LiveCellSerializer(textguard.Serializer):
    """A grid cell's Gi* statistic over the selected reports."""

    cell = serializers.IntegerField()
    count = serializers.IntegerField(help_text="Reports in the cell.")
    z = serializers.FloatField(allow_null=True)
    p = serializers.FloatField(allow_null=True)
    gi_bin = serializers.IntegerField(help_text="-3 to 3: cold to hot spot.")
    place = PlaceField()


class LiveHotspotSerializer(textguard.Serializer):
    """A live hot or cold spot cell as a GeoJSON Feature (WGS 84)."""

    type = ConstantField("Feature")
    geometry = WGS84GeometryField(allowed=("Polygon",), read_only=True)
    properties = LiveCellSerializer()


class LiveHotspotsSerializer(textguard.Serializer):
    """The significant Gi* cells of the selected reports, computed for the request, as a GeoJSON
    FeatureCollection, with the grid's cell size and the neighbourhood distance (metres)."""

    # Serializes the computed collection: a mapping of these keys, its features GeoJSON.

    type = ConstantField("FeatureCollection")
    features = LiveHotspotSerializer(many=True)
    cell_size_m = serializers.FloatField()
    distance_m = serializers.FloatField()
    source = ConstantField("live")


class HotspotCellSerializer(TextInputSerializerMixin, GeoFeatureModelSerializer):
    """A cell of a stored Gi* or emerging-hot-spot run as a GeoJSON Feature (WGS 84): its
    category (such as "new hot spot"), z-score, p-value and value."""

    geom = WGS84GeometryField(allowed=("Polygon",), read_only=True)
    cell = serializers.IntegerField(source="cell_id")
    place = PlaceField()

    class Meta:
        model = HotspotCell
        geo_field = "geom"
        id_field = False
        fields = ("cell", "category", "z", "p", "value", "place")


class StoredHotspotsSerializer(textguard.Serializer):
    """The cells of a stored run (an AnalysisRun) as a GeoJSON FeatureCollection, with the run's
    id, kind and when it ran."""

    type = ConstantField("FeatureCollection")
    features = serializers.ListField(child=HotspotCellSerializer(), source="cells.all")
    source = ConstantField("stored")
    run = serializers.IntegerField(source="pk", help_text="The stored run.")
    kind = serializers.CharField()
    created_at = UtcDateTimeField()


class HotspotsQuerySerializer(textguard.Serializer):
    """The hot spots' own query parameter (besides the filters of the reports)."""

    run = serializers.ChoiceField(
        choices=["latest"],
        required=False,
        allow_blank=True,
        help_text="The latest stored run instead of live cells.",
    )


class TimeProfileQuerySerializer(textguard.Serializer):
    """The time profile's own query parameters (besides the filters of the reports): at most
    one place, a hot-spot cell (of the live grid, or of a stored `run`) or a street segment."""

    cell = serializers.IntegerField(
        required=False,
        min_value=0,
        help_text="A hot-spot cell id: of the live Gi* grid, or of the stored `run`.",
    )
    run = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=20,
        help_text="A stored Gi* or emerging run's id, or `latest`; its cell is `cell`.",
    )
    segment = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="A walking segment id: the reports whose nearest segment it is.",
    )

    def validate(self, attrs):
        if "cell" in attrs and "segment" in attrs:
            raise serializers.ValidationError({"segment": ["Give either cell or segment."]})
        if attrs.get("run") and "cell" not in attrs:
            raise serializers.ValidationError({"run": ["A run needs a cell."]})
        return attrs


class TimeProfileSerializer(textguard.Serializer):
    """The selected reports by hour of the week (local clock), spans spread over their hours."""

    bins = serializers.ListField(
        child=serializers.FloatField(),
        min_length=168,
        max_length=168,
        help_text="168 hour-of-week bins, Monday 00-01 first (bin 24 * weekday + hour).",
    )
    grid = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField()),
        help_text="The bins as 7 rows (Monday … Sunday) of 24 hours.",
    )
    total = serializers.FloatField(help_text="The summed weight of the records.")
    hot_hours = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="The fewest bins holding half of the total, hottest first.",
    )
    weekdays = serializers.ListField(
        child=serializers.CharField(), help_text="Monday … Sunday in the language of the labels."
    )
    weekdays_short = serializers.ListField(child=serializers.CharField())
    records = serializers.IntegerField(help_text="Reports counted.")
    hot_text = serializers.CharField(help_text='The hot hours in words: "fredag och lördag 22–02".')
    hot_text_short = serializers.CharField(help_text='The same, short: "fre–lör 22–02".')
