"""The forms of the import page: the upload (layer, municipality, file) and the mapping
(the file's layer, its CRS, a field per column, a category per source value, a profile name).

Column and value drop-downs are numbered (``column_3``, ``value_type_2``): a file's column
names and values are data, never field names of a form.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from gis.core.textguard import TextInputFormMixin
from layers.batches import LAYERS
from layers.imports import columns as cols
from layers.preview import LOCATION_FIELDS, choice_fields

#: The CRSs offered for a file without its own: SWEREF 99 TM, the local SWEREF 99 zones
#: (EPSG:3007-3018) and WGS 84.
CRS_CHOICES = ("EPSG:3006", *(f"EPSG:{code}" for code in range(3007, 3019)), "EPSG:4326")
LOCATION_LABELS = {
    cols.ID: _("the source's own id"),
    cols.LON: _("longitude (WGS 84)"),
    cols.LAT: _("latitude (WGS 84)"),
    cols.X: _("easting (x)"),
    cols.Y: _("northing (y)"),
    cols.WKT: _("geometry as WKT"),
}


def layer_label(layer: str) -> str:
    """The layer's name for people: its model's plural name."""
    return str(LAYERS[layer].model._meta.verbose_name_plural).capitalize()


class UploadForm(TextInputFormMixin, forms.Form):
    """The first step: which layer, for which municipality, which file."""

    layer = forms.ChoiceField(label=_("Layer"))
    municipality = forms.ChoiceField(label=_("Municipality"))
    file = forms.FileField(
        label=_("File"),
        help_text=_("GeoPackage, Shapefile (zipped), GeoJSON, FlatGeobuf, KML, CSV or XLSX."),
    )

    def __init__(self, *args, layers, municipalities, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["layer"].choices = [(name, layer_label(name)) for name in layers]
        self.fields["municipality"].choices = [(m.code, m.name) for m in municipalities]


class MappingForm(TextInputFormMixin, forms.Form):
    """The second step: how the file's columns and values become the layer's fields."""

    crs = forms.ChoiceField(label=_("Coordinate system (CRS)"), required=False)
    source = forms.SlugField(
        label=_("Source"),
        max_length=32,
        required=False,
        help_text=_("The name of the register or list; a re-import of it updates its objects."),
    )
    profile = forms.CharField(
        label=_("Save as profile"),
        max_length=64,
        required=False,
        help_text=_("A name to reuse this mapping next time (with trygg import --profile)."),
    )

    def __init__(self, *args, detected: dict, layer: str, partner: bool = False, **kw) -> None:
        super().__init__(*args, **kw)
        self.detected = detected
        self.layer = layer
        layers = detected.get("layers") or []
        if len(layers) > 1:
            self.fields["file_layer"] = forms.ChoiceField(
                label=_("Layer of the file"), choices=[(n, n) for n in layers]
            )
            self.order_fields(["file_layer"])
        own = detected.get("crs")
        first = [("", _("The file's own: %(crs)s") % {"crs": own} if own else _("(none)"))]
        self.fields["crs"].choices = first + [(c, c) for c in CRS_CHOICES]
        if partner:
            del self.fields["source"]
        targets = [("", _("(not imported)"))]
        targets += [(f, _field_label(layer, f)) for f in LAYERS[layer].fields]
        targets += [(f, LOCATION_LABELS[f]) for f in LOCATION_FIELDS]
        suggested = detected.get("suggested") or {}
        self.column_names = list(detected.get("columns") or [])
        for i, column in enumerate(self.column_names):
            self.fields[f"column_{i}"] = forms.ChoiceField(
                label=column, choices=targets, required=False, initial=suggested.get(column, "")
            )
        self.value_names: dict[str, list[str]] = {}
        categories = choice_fields(layer)
        for name, values in (detected.get("values") or {}).items():
            choices = [("", _("(as written)")), *categories[name].items()]
            self.value_names[name] = list(values)
            for j, value in enumerate(values):
                self.fields[f"value_{name}_{j}"] = forms.ChoiceField(
                    label=value or _("(empty)"),
                    choices=choices,
                    required=False,
                    initial=_recognised(value, name, categories[name]),
                )

    def column_fields(self) -> list:
        return [self[f"column_{i}"] for i in range(len(self.column_names))]

    def value_groups(self) -> list[tuple[str, list]]:
        return [
            (_field_label(self.layer, name), [self[f"value_{name}_{j}"] for j in range(len(vs))])
            for name, vs in self.value_names.items()
        ]

    def options(self) -> dict:
        """The cleaned mapping as a job's stored options (see layers.jobs.options_for)."""
        data = self.cleaned_data
        maps = {
            column: data[f"column_{i}"]
            for i, column in enumerate(self.column_names)
            if data.get(f"column_{i}")
        }
        values: dict[str, dict[str, str]] = {}
        for name, sources in self.value_names.items():
            for j, source in enumerate(sources):
                chosen = data.get(f"value_{name}_{j}")
                if chosen:
                    values.setdefault(name, {})[cols.normalise(source)] = chosen
        return {
            "file_layer": data.get("file_layer") or None,
            "crs": data.get("crs") or None,
            "maps": maps,
            "values": values,
            "source": data.get("source") or None,
        }

    def profile_options(self) -> dict:
        """The mapping in the form `trygg import --profile` reads (its option names)."""
        options = self.options()
        kept = {
            "map": [f"{column}={name}" for column, name in options["maps"].items()],
            "values": [
                f"{name}:{source}={value}"
                for name, pairs in options["values"].items()
                for source, value in pairs.items()
            ],
            "crs": options["crs"],
            "source": options["source"],
        }
        return {key: value for key, value in kept.items() if value}


def _field_label(layer: str, name: str) -> str:
    return str(LAYERS[layer].model._meta.get_field(name).verbose_name).capitalize()


def _recognised(value: str, name: str, choices: dict[str, str]) -> str:
    try:
        return cols.map_choice(value, name, choices, {})
    except ValueError:
        return ""
