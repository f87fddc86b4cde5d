"""Checking a chunk of records at once, for the large layers (lamps, lux readings, vegetation
and green areas: :data:`~layers.staging.STAGED_MODELS`).

What the back office checks record by record (the geometry's type, validity and place inside
the municipality; each field's conversion and validators) is done here for a whole chunk: the
geometry as shapely arrays in the storage CRS (TRYGG_SRID, metres) against the prepared
boundary, and each distinct cell value of a field once. A record that fails any of these is
built as an object by :func:`layers.batches._build`, which gives the exact reason, so the
figures and reasons of an import are those of the record-by-record road.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from gis.core.geometry import BOUNDARY_TOLERANCE_M
from gis.core.lazy import lazy_module
from layers.batches import (
    ImportOptions,
    LayerSpec,
    _blank,
    _build,
    _convert,
    _key,
    _Plan,
    _why,
)
from layers.imports import columns as cols
from layers.staging import Item

# Imported on first use: the web process imports this module at boot (the import page).
np = lazy_module("numpy")
shapely = lazy_module("shapely")


class FastCheck:
    """The records of a chunk as checked :class:`~layers.staging.Item` s, with the work done
    once per chunk where it can be: the geometry located, transformed, typed and tested
    against the boundary for the whole chunk, and each distinct cell value converted and
    validated once. A record that fails any of these is built by :func:`_build` (the back
    office's validation), which gives the exact reason, so the results are the same."""

    def __init__(self, spec: LayerSpec, options: ImportOptions, plan: _Plan) -> None:
        self.spec, self.options, self.plan = spec, options, plan
        model = spec.model
        self.model_fields = [model._meta.get_field(name) for name in spec.fields]
        self.geom_field = model._meta.get_field("geom")
        self.allowed = list(model.allowed_geometry_types or [])
        exact = shapely.from_wkb(bytes(options.municipality.boundary.wkb))
        # Within the tolerance, less a centimetre: what is on the buffer's edge is decided by
        # the back office's own check.
        self.boundaries = [exact, exact.buffer(BOUNDARY_TOLERANCE_M - 0.01)]
        for boundary in self.boundaries:
            shapely.prepare(boundary)

    def items(self, chunk: list[dict], row: int, rejected: list[dict]) -> list[Item]:
        geoms = self._geometries(chunk)
        wkbs = np.full(len(chunk), None, dtype=object)
        if cols.ID not in self.plan.mapping:  # the geometry is part of each record's key
            located = np.flatnonzero(geoms != None)  # noqa: E711 (elementwise)
            wkbs[located] = shapely.to_wkb(geoms[located], output_dimension=2)
        columns = self._columns(chunk)
        items = []
        for index, record in enumerate(chunk):
            number = row + index + 1
            if _blank(record):
                continue
            item = self._item(number, record, index, geoms[index], wkbs[index], columns)
            if item is not None:
                items.append(item)
                continue
            try:
                key, obj = _build(self.spec, self.options, self.plan, record)
            except (ValidationError, ValueError) as error:
                rejected.append({"row": number, "reason": _why(error)})
                continue
            values = {name: getattr(obj, name) for name in self.spec.fields}
            items.append(Item(number, key, values, shapely.from_wkb(bytes(obj.geom.wkb))))
        return items

    def _columns(self, chunk: list[dict]) -> list[tuple[str, list[tuple[bool, object]]]]:
        """For each field the file or ``--set`` fills: its name and the (valid, value) of each
        record's cell, column by column (a text cell met before in the column is looked up,
        not converted again)."""
        memo: dict = {}
        columns = []
        for model_field in self.model_fields:
            name = model_field.name
            if name in self.options.sets:
                found = self._value(model_field, self.options.sets[name], memo)
                columns.append((name, [found] * len(chunk)))
                continue
            if name not in self.plan.mapping:
                continue
            column, texts, cells = self.plan.mapping[name], {}, []
            for record in chunk:
                raw = record.get(column)
                if raw.__class__ is str:
                    found = texts.get(raw)
                    if found is None:
                        found = texts[raw] = self._value(model_field, raw, memo)
                else:
                    found = self._value(model_field, raw, memo)
                cells.append(found)
            columns.append((name, cells))
        return columns

    def _geometries(self, chunk: list[dict]) -> np.ndarray:
        """The chunk's geometries in the storage CRS, typed as the field stores them; None
        where the record is not plainly good (valid, of an allowed type, inside)."""
        geoms = self.plan.locator.geometries(chunk)
        located = np.flatnonzero(geoms != None)  # noqa: E711 (elementwise)
        if not len(located):
            return geoms
        found = shapely.force_2d(geoms[located])
        target = self.geom_field.geom_type
        kinds = shapely.get_type_id(found)
        if target == "MULTIPOLYGON":
            retyped = np.flatnonzero(kinds == _TYPE_IDS["Polygon"])
        elif target in {"POINT", "LINESTRING"}:
            retyped = np.flatnonzero(kinds >= _TYPE_IDS["MultiPoint"])
        else:
            retyped = np.flatnonzero(np.zeros(len(found), dtype=bool))
        # Only these can change type (not the points of a register): each made as _typed says.
        found = np.array(found, dtype=object)
        for i in retyped:
            found[i] = _typed(found[i], target)
        good = np.isin(shapely.get_type_id(found), [_TYPE_IDS[t] for t in self.allowed])
        good &= shapely.is_valid(found)
        exact, buffered = self.boundaries
        good &= shapely.covers(exact, found) | shapely.covers(buffered, found)
        out = np.full(len(chunk), None, dtype=object)
        out[located[good]] = found[good]
        return out

    def _item(self, number: int, record: dict, index: int, geom, wkb, columns) -> Item | None:
        if geom is None:
            return None
        values = {}
        for name, cells in columns:
            ok, value = cells[index]
            if not ok:
                return None
            values[name] = value
        try:
            key = _key(
                record, self.plan, values, wkb or (lambda: shapely.to_wkb(geom, output_dimension=2))
            )
        except ValidationError:
            return None
        return Item(number, key, values, geom)

    def _value(self, model_field, raw, memo: dict) -> tuple[bool, object]:
        """(valid, value) of a cell for a field, as _convert and the field's own validation
        find it; the same cell value is done once per chunk."""
        try:
            memo_key = (model_field.name, type(raw), raw)
            found = memo.get(memo_key)
        except TypeError:
            memo_key, found = None, None
        if found is not None:
            return found
        try:
            value = _convert(model_field, raw, self.options, {}, self.plan.zone)
            if not (model_field.blank and value in model_field.empty_values):
                model_field.clean(value, None)
            found = (True, value)
        except (ValidationError, ValueError):
            found = (False, None)
        if memo_key is not None:
            memo[memo_key] = found
        return found


_TYPE_IDS = {
    "Point": 0,
    "LineString": 1,
    "Polygon": 3,
    "MultiPoint": 4,
    "MultiLineString": 5,
    "MultiPolygon": 6,
}


def _typed(geometry, target: str):
    """As :func:`_geos`, on a shapely geometry: a Polygon in a MultiPolygon field becomes a
    one-part MultiPolygon, a one-part multi in a Point or LineString field its part."""
    kind = geometry.geom_type
    if target == "MULTIPOLYGON" and kind == "Polygon":
        return shapely.MultiPolygon([geometry])
    if target in {"POINT", "LINESTRING"} and kind.startswith("Multi") and len(geometry.geoms) == 1:
        return geometry.geoms[0]
    return geometry
