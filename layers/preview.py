"""What the upload page shows before an import: what was detected in a file, and a preview of
its first rows on a map with the rejected ones and their reasons.

Both are built on the import itself, not beside it: the file is read by
:mod:`layers.imports.reading`, its columns recognised by :mod:`layers.imports.columns`, and each
preview row is planned, located and validated by :mod:`layers.batches` exactly as `run_import`
does (the same traps on the first rows, the same reasons). Nothing is written.

Preview features are GeoJSON in WGS 84 (degrees); the stored geometry is in TRYGG_SRID.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from django.core.exceptions import ValidationError

from layers import batches
from layers.imports import columns as cols
from layers.imports.reading import GDAL_KINDS, file_kind, layer_names, open_table
from layers.imports.traps import crs_label

#: Distinct source values listed per field (a category column rarely has more).
MAX_VALUES = 50
#: Rows read to find the distinct values of the category columns.
VALUE_ROWS = 20_000
#: The pseudo-fields a column may be mapped to besides a layer's own fields.
LOCATION_FIELDS = (cols.ID, cols.LON, cols.LAT, cols.X, cols.Y, cols.WKT)


def target_of(layer_name: str | None) -> str | None:
    """The Trygg layer a file's layer is named after ("belysning" → "lamps"), if any."""
    if not layer_name:
        return None
    name = layer_name.lower()
    for target, spec in batches.LAYERS.items():
        if name == target or name in spec.names:
            return target
    return None


def choice_fields(target: str) -> dict[str, dict[str, str]]:
    """The category fields of layer `target`: field → stored value → label."""
    model = batches.LAYERS[target].model
    out = {}
    for name in batches.LAYERS[target].fields:
        model_field = model._meta.get_field(name)
        if model_field.choices:
            out[name] = {str(v): str(label) for v, label in model_field.flatchoices if v != ""}
    return out


def detect(path: Path | str, target: str | None = None, file_layer: str | None = None) -> dict:
    """What a file holds, for the mapping page.

    Returns ``{"kind", "layers": [the file's layers], "layer": the one read, "target": the Trygg
    layer (given, or guessed from the file's layer name), "columns": [...], "crs": "EPSG:N" or
    None, "rows": n or None, "suggested": {column: field}, "values": {field: [distinct source
    values]}}``. `suggested` holds the recognised column names (fields of `target`, the id and
    the location columns); `values` the source values of the category columns among them.
    An ImportFileError for a file that cannot be read."""
    path = Path(path)
    kind = file_kind(path)
    layers = layer_names(path)
    if layers and file_layer not in layers:
        wanted = [n for n in layers if target_of(n) == target] if target else []
        file_layer = (wanted or layers)[0]
    table = open_table(path, (), file_layer)
    target = target or target_of(table.layer)
    suggested: dict[str, str] = {}
    if target is not None:
        fields = list(batches.LAYERS[target].fields)
        suggested = {c: f for f, c in cols.recognise(table.columns, target, fields).items()}
    return {
        "kind": kind,
        "layers": layers,
        "layer": table.layer,
        "target": target,
        "columns": table.columns,
        "crs": crs_label(table.crs) or None if table.crs else None,
        "rows": _row_count(table),
        "suggested": suggested,
        "values": distinct_values(path, target, suggested, file_layer) if target else {},
    }


def _row_count(table) -> int | None:
    if table.kind in GDAL_KINDS:
        import pyogrio

        count = pyogrio.read_info(table._source, layer=table.layer).get("features")
        return int(count) if count is not None and count >= 0 else None
    return sum(len(chunk) for chunk in table.chunks())


def distinct_values(
    path: Path | str, target: str, mapping: dict[str, str], file_layer: str | None = None
) -> dict[str, list[str]]:
    """Field → the distinct source values (as text, in order of appearance, at most MAX_VALUES)
    of the columns `mapping` (column → field) maps to a category field of `target`, read from
    the first VALUE_ROWS rows."""
    wanted = {c: f for c, f in mapping.items() if f in choice_fields(target)}
    if not wanted:
        return {}
    table = open_table(Path(path), (), file_layer)
    found: dict[str, dict[str, None]] = {f: {} for f in wanted.values()}
    read = 0
    for chunk in table.chunks():
        for record in chunk:
            for column, name in wanted.items():
                value = record.get(column)
                text = "" if cols.is_blank(value) else str(value).strip()
                if len(found[name]) < MAX_VALUES:
                    found[name].setdefault(text, None)
        read += len(chunk)
        if read >= VALUE_ROWS:
            break
    return {name: list(values) for name, values in found.items()}


def preview_import(options: batches.ImportOptions, limit: int = 500) -> dict:
    """The first `limit` rows of the import `options` describes, validated as `run_import`
    validates them, nothing written.

    Returns ``{"features": a GeoJSON FeatureCollection (WGS 84) of the good rows, each with its
    "row" and field values, "rejected": [{"row", "reason"}], "rows_read": n}``. Blank rows are
    skipped as the import skips them; an id repeated within the file is found only by the
    import. An ImportFileError when the file or the options as a whole cannot be imported (the
    same traps as the import: swapped or misread coordinates, a file lying elsewhere)."""
    spec = batches.LAYERS[options.layer]
    plan = batches._plan(spec, options)
    boundary = _boundary(options)
    features, rejected, row = [], [], 0
    for number, chunk in enumerate(plan.table.chunks(min(limit, options.chunk))):
        if number == 0:
            plan.locator.check_sample(chunk, boundary)
        for record in chunk:
            if row >= limit:
                break
            row += 1
            if all(cols.is_blank(value) for value in record.values()):
                continue
            try:
                _key, obj = batches._build(spec, options, plan, record)
            except ValidationError as error:
                rejected.append({"row": row, "reason": batches._reason(error)})
            except ValueError as error:
                rejected.append({"row": row, "reason": str(error)})
            else:
                features.append(_feature(row, spec, obj))
        if row >= limit:
            break
    return {
        "features": {"type": "FeatureCollection", "features": features},
        "rejected": rejected,
        "rows_read": row,
    }


def _boundary(options: batches.ImportOptions):
    import shapely

    from gis.core.geometry import BOUNDARY_TOLERANCE_M

    wkb = bytes(options.municipality.boundary.wkb)
    return shapely.from_wkb(wkb).buffer(BOUNDARY_TOLERANCE_M)


def _feature(row: int, spec: batches.LayerSpec, obj) -> dict:
    import json

    geometry = json.loads(obj.geom.transform(4326, clone=True).json)
    properties: dict = {"row": row}
    for name in spec.fields:
        value = getattr(obj, name, None)
        if isinstance(value, datetime | date):
            value = value.isoformat()
        properties[name] = value
    return {"type": "Feature", "geometry": geometry, "properties": properties}
