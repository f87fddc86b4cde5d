"""Vector tile coordinates, shared by every tile endpoint (the dashboard's data tiles and the
public basemap): the XYZ scheme of Web Mercator (EPSG:3857)."""

from __future__ import annotations

from rest_framework import serializers

from gis.core import textguard

#: The deepest zoom a tile may be asked for.
MAX_ZOOM = 22
#: The media type of a Mapbox vector tile.
CONTENT_TYPE = "application/vnd.mapbox-vector-tile"


class TileSerializer(textguard.Serializer):
    """A vector tile's coordinates (XYZ scheme, Web Mercator): x and y lie within zoom z."""

    z = serializers.IntegerField(min_value=0, max_value=MAX_ZOOM)
    x = serializers.IntegerField(min_value=0)
    y = serializers.IntegerField(min_value=0)

    def validate(self, attrs: dict) -> dict:
        last = 2 ** attrs["z"] - 1
        errors = {
            name: [self.fields[name].error_messages["max_value"].format(max_value=last)]
            for name in ("x", "y")
            if attrs[name] > last
        }
        if errors:
            raise serializers.ValidationError(errors)
        return attrs
