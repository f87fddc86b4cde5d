"""Writing an import into a layer, as one batch, in one transaction; listing and undoing batches.

A file is read in chunks (:mod:`layers.imports.reading`); each record becomes an unsaved layer
object that is validated as the back office validates it (the model's field validators and
``clean()``: geometry type, validity, inside the municipality with the boundary tolerance,
an incident's span). A bad record is rejected with its number (the 1-based data record) and a
reason; the good ones are upserted by the source's own id (``--id-column``; without one, a hash
of the record's values, so the same file again is still "unchanged"). The ids already met are
kept in a temporary table, not in memory, so memory stays bounded by the chunk.

The large layers (lamps, lux readings, vegetation, green areas: :data:`STAGED_MODELS`) take a
faster road to the same result: :class:`~layers.fastcheck.FastCheck` checks a chunk as arrays
and each distinct value once, builds only the records that fail as objects (for their reason),
and :class:`~layers.staging.Stage` writes the chunk with COPY, while the next chunk is read in
a thread (:func:`~layers.imports.ahead.read_ahead`).

Every object created or changed points to the batch; what a batch changed or removed is kept
with its previous values (:class:`ImportChange`), so that the batch can be undone. Geometry is
stored in TRYGG_SRID (metres).
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from pathlib import Path

from django.conf import settings
from django.contrib.gis.db import models as gis_models
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import get_language, override

from gis.core.geometry import BOUNDARY_TOLERANCE_M
from gis.core.lazy import lazy_module
from gis.core.models import Municipality
from layers.imports import ImportFileError
from layers.imports import columns as cols
from layers.imports.ahead import read_ahead
from layers.imports.reading import CHUNK, open_table, sha256
from layers.imports.traps import WGS84, Locator, crs_label, parse_crs
from layers.models import (
    Camera,
    District,
    GreenArea,
    ImportBatch,
    ImportChange,
    ImportProfile,
    Incident,
    LuxReading,
    Property,
    StreetLamp,
    StreetSegment,
    Vegetation,
)
from layers.properties import link_incidents
from layers.staging import SEEN_TABLE, STAGED_MODELS, Stage, same, snapshot

# Imported on first use: the web process imports this module at boot (the import page).
shapely = lazy_module("shapely")


@dataclass(frozen=True)
class LayerSpec:
    """A layer that can be imported: its model, the fields a file may fill, the key that makes
    an import idempotent, and the names its layer may have in a GeoPackage."""

    model: type[models.Model]
    fields: tuple[str, ...]
    key: str = "source_id"
    names: tuple[str, ...] = ()


LAYERS: dict[str, LayerSpec] = {
    "districts": LayerSpec(District, ("name",), key="name", names=("stadsdelar", "regso", "deso")),
    "lamps": LayerSpec(
        StreetLamp, ("status", "status_checked_at"), names=("belysning", "armaturer", "lampor")
    ),
    "lux_readings": LayerSpec(
        LuxReading, ("lux", "measured_at", "measured_by"), names=("luxmatning", "lux")
    ),
    "vegetation": LayerSpec(
        Vegetation, ("kind", "height_m", "blocks_sightline"), names=("trad", "vegetation")
    ),
    "green_areas": LayerSpec(GreenArea, ("name", "owner"), names=("parker", "gronytor")),
    "cameras": LayerSpec(
        Camera,
        ("direction_deg", "fov_deg", "range_m", "operator", "permit_status"),
        names=("kameror",),
    ),
    "incidents": LayerSpec(
        Incident,
        ("type", "reported_by", "occurred_at", "occurred_to", "description"),
        names=("handelser",),
    ),
    "street_segments": LayerSpec(
        StreetSegment, ("name", "highway", "lit"), names=("gator", "vagnat", "gatunat")
    ),
    "properties": LayerSpec(
        Property,
        ("name", "kind", "department"),
        names=("fastigheter", "byggnader", "lokaler"),
    ),
}


@dataclass
class ImportOptions:
    """What `trygg import` was asked to do (the command line's options, parsed)."""

    layer: str
    path: Path
    municipality: Municipality
    source: str = "import"
    id_column: str | None = None
    crs: str | None = None
    location: dict[str, str] = field(default_factory=dict)  # lon/lat, x/y or wkt → column
    maps: dict[str, str] = field(default_factory=dict)  # column → field
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    sets: dict[str, str] = field(default_factory=dict)
    # Model attributes every imported object gets as they are (not parsed from text), e.g. the
    # partner of a partner's upload: what `--set` is for constants a file leaves out.
    fixed: dict[str, object] = field(default_factory=dict)
    replace: bool = False
    dry_run: bool = False
    imported_by: str = ""
    user: object = None
    chunk: int = CHUNK
    layer_name: str | None = None  # the layer of a file that holds several (--layer)
    #: Called after each chunk with the number of records read so far (an upload's progress).
    progress: Callable[[int], None] | None = None


@dataclass
class ImportResult:
    """What an import did, as `--json` prints it."""

    batch: int | None
    layer: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    rejected: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "batch": self.batch,
            "layer": self.layer,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "rejected": self.rejected,
        }


class _DryRunError(Exception):
    """Raised inside the transaction of a dry run to roll everything back."""


def run_import(options: ImportOptions) -> ImportResult:
    """Import `options.path` into its layer as one batch, in one transaction (rolled back in a
    dry run, which reports the same figures). A problem with the file or the options as a
    whole is an ImportFileError and nothing is stored."""
    spec = LAYERS[options.layer]
    plan = _plan(spec, options)
    result = ImportResult(batch=None, layer=options.layer)
    # The objects alive now (Django, pandas, GDAL's bindings) are set aside from the garbage
    # collector: a chunk makes many short-lived objects, and each full collection would
    # otherwise walk them all again (a third of the time of a large import).
    gc.freeze()
    try:
        with transaction.atomic():
            _write(spec, options, plan, result)
            if options.dry_run:
                raise _DryRunError
    except _DryRunError:
        result.batch = None
    finally:
        gc.unfreeze()
    return result


# --- planning: columns, fields and location ---------------------------------------------------


@dataclass
class _Plan:
    table: object
    mapping: dict[str, str]  # field → column
    locator: Locator
    crs_text: str
    zone: tzinfo  # where dates and times without an offset are local


def _plan(spec: LayerSpec, options: ImportOptions) -> _Plan:
    table = open_table(options.path, (options.layer, *spec.names), options.layer_name)
    fields = list(spec.fields)
    mapping = cols.recognise(table.columns, options.layer, fields)
    known = set(table.columns)
    for column, target in options.maps.items():
        if column not in known:
            raise ImportFileError(f"--map: the file has no column {column!r}")
        if target not in fields and target not in {cols.ID, *cols.COMMON}:
            raise ImportFileError(
                f"--map: {options.layer} has no field {target!r}; its fields are "
                f"{', '.join(fields)}"
            )
        mapping = {f: c for f, c in mapping.items() if c != column and f != target}
        mapping[target] = column
    for name, column in [(cols.ID, options.id_column), *options.location.items()]:
        if column is None:
            continue
        if column not in known:
            option = "--id-column" if name == cols.ID else f"--{name}"
            raise ImportFileError(f"{option}: the file has no column {column!r}")
        mapping = {f: c for f, c in mapping.items() if c != column}
        mapping[name] = column
    for target in options.sets:
        if target not in fields:
            raise ImportFileError(
                f"--set: {options.layer} has no field {target!r}; its fields are "
                f"{', '.join(fields)}"
            )
    for target in options.values:
        if target not in fields:
            raise ImportFileError(f"--values: {options.layer} has no field {target!r}")
    model = spec.model
    for name in fields:
        model_field = model._meta.get_field(name)
        required = not (model_field.blank or model_field.null or model_field.has_default())
        if required and name not in mapping and name not in options.sets:
            raise ImportFileError(
                f"{options.layer} needs a column for {name}: none was recognised (give --map "
                f"COLUMN={name} or --set {name}=VALUE)"
            )
    location = _location(table, mapping, options)
    crs = _crs(table, location, options)
    locator = Locator(crs=crs, storage_srid=settings.TRYGG_SRID, columns=location)
    return _Plan(
        table=table,
        mapping=mapping,
        locator=locator,
        crs_text=crs_label(crs.srs),
        zone=timezone.get_current_timezone(),
    )


def _location(table, mapping: dict[str, str], options: ImportOptions) -> dict[str, str]:
    given = options.location
    if given:
        if set(given) not in ({"lon", "lat"}, {"x", "y"}, {"wkt"}):
            raise ImportFileError("give --lon with --lat, --x with --y, or --wkt alone")
        return dict(given)
    if table.has_geometry:
        return {}
    for group in (("lon", "lat"), ("x", "y"), ("wkt",)):
        if all(name in mapping for name in group):
            return {name: mapping[name] for name in group}
    raise ImportFileError(
        f"{table.path.name}: no location columns recognised; give --lon/--lat, --x/--y or --wkt"
    )


def _crs(table, location: dict[str, str], options: ImportOptions):
    given = parse_crs(options.crs)
    if table.has_geometry and not location:
        own = parse_crs(table.crs) if table.crs else None
        if own is not None and given is not None and not own.equals(given):
            raise ImportFileError(
                f"--crs {crs_label(given.srs)} contradicts the file's own CRS "
                f"{crs_label(own.srs)}; leave --crs out"
            )
        if own is None and given is None:
            raise ImportFileError(f"{table.path.name} has no CRS; give --crs EPSG:N")
        return own or given
    if given is not None:
        return given
    if "lon" in location:
        return parse_crs(WGS84)
    raise ImportFileError("x/y or WKT coordinates need their CRS: give --crs EPSG:N (e.g. 3006)")


# --- writing ---------------------------------------------------------------------------------


def _write(spec: LayerSpec, options: ImportOptions, plan: _Plan, result: ImportResult) -> None:
    municipality = options.municipality
    batch = ImportBatch.objects.create(
        municipality=municipality,
        layer=options.layer,
        source=options.source,
        file_name=options.path.name[:255],
        file_sha256=sha256(options.path),
        crs=plan.crs_text[:64],
        imported_by=options.imported_by[:150],
        user=options.user,
    )
    result.batch = batch.pk
    boundary = shapely.from_wkb(bytes(municipality.boundary.wkb)).buffer(BOUNDARY_TOLERANCE_M)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {SEEN_TABLE}")
        # Byte order ("C"): a million keys are compared without the locale's rules.
        cursor.execute(f'CREATE TEMP TABLE {SEEN_TABLE} (key text COLLATE "C" PRIMARY KEY)')
    had_objects = True
    if _staged(spec, options):
        had_objects = _write_staged(spec, options, plan, boundary, batch, result)
    else:
        _write_objects(spec, options, plan, boundary, batch, result)
    if options.replace and had_objects:  # a source new to the layer has nothing to remove
        result.removed = _remove_missing(spec, options, batch)
    if spec.model in (Incident, Property):  # incidents belong to the property they lie at
        link_incidents(municipality.pk)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {SEEN_TABLE}")
    ImportBatch.objects.filter(pk=batch.pk).update(
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
        removed=result.removed,
        rejected=len(result.rejected),
    )


def _write_staged(spec, options: ImportOptions, plan: _Plan, boundary, batch, result) -> bool:
    """Write through the staging table, the next chunk read and checked while the database
    writes the last (:func:`~layers.imports.ahead.read_ahead`). Whether the source had objects
    in the layer before."""
    stage = Stage(spec.model, spec.fields, options.municipality, options.source)
    from layers.fastcheck import FastCheck  # it builds on this module's record functions

    fast = FastCheck(spec, options, plan)
    chunks = read_ahead(_checked_chunks(options, plan, boundary, fast, stage, get_language()))
    for row, items, cells, rejected in chunks:
        result.rejected.extend(rejected)
        stage.write(items, batch, result, cells)
        if options.progress is not None:
            options.progress(row)
    stage.drop()
    return stage.had_objects


def _checked_chunks(
    options: ImportOptions, plan: _Plan, boundary, fast, stage: Stage, language: str | None
):
    """(records read so far, the chunk's items, their COPY text, its rejections) for each
    chunk; run in the read-ahead thread, in the caller's language (the reasons are
    translated)."""
    with override(language):
        row = 0
        for number, chunk in enumerate(plan.table.chunks(options.chunk)):
            if number == 0:
                plan.locator.check_sample(chunk, boundary)
            rejected: list[dict] = []
            items = fast.items(chunk, row, rejected)
            row += len(chunk)
            yield row, items, stage.cells(items), rejected


def _write_objects(spec, options: ImportOptions, plan: _Plan, boundary, batch, result) -> None:
    """Write object by object (the layers with derived fields or rules between fields)."""
    row = 0
    for number, chunk in enumerate(plan.table.chunks(options.chunk)):
        if number == 0:
            plan.locator.check_sample(chunk, boundary)
        good = []
        for record in chunk:
            row += 1
            if _blank(record):
                continue
            try:
                good.append((row, *_build(spec, options, plan, record)))
            except (ValidationError, ValueError) as error:
                result.rejected.append({"row": row, "reason": _why(error)})
        _upsert(spec, options, good, batch, result)
        if options.progress is not None:
            options.progress(row)


def _blank(record: dict) -> bool:
    """An empty line or spreadsheet row: nothing to import, nothing wrong (it keeps its
    number)."""
    for value in record.values():
        # The usual first cell, a non-blank text, decides at once.
        if value.__class__ is str:
            if value and not value.isspace():
                return False
        elif not cols.is_blank(value):
            return False
    return True


def _why(error: Exception) -> str:
    return _reason(error) if isinstance(error, ValidationError) else str(error)


def _staged(spec: LayerSpec, options: ImportOptions) -> bool:
    """Whether the layer is written through the staging table (:mod:`layers.staging`)."""
    return spec.model in STAGED_MODELS and spec.key == "source_id" and len(options.source) <= 32


def _reason(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "; ".join(
            f"{name}: {' '.join(str(m) for m in messages)}"
            for name, messages in error.message_dict.items()
        )
    return " ".join(str(m) for m in error.messages)


def _build(spec: LayerSpec, options: ImportOptions, plan: _Plan, record: dict):
    """The record as an unsaved, validated object and its key; ValueError/ValidationError for a
    bad record."""
    model = spec.model
    zone = plan.zone
    values: dict = {}
    for name in spec.fields:
        if name in options.sets:
            raw = options.sets[name]
        elif name in plan.mapping:
            raw = record.get(plan.mapping[name])
        else:
            continue
        values[name] = _convert(model._meta.get_field(name), raw, options, values, zone)
    try:
        geom = _geos(plan.locator.geometry(record), model._meta.get_field("geom"))
    except ValueError as error:
        raise ValidationError({"geom": str(error)}) from None
    if model is StreetSegment:
        values["length_m"] = geom.length
    obj = model(municipality=options.municipality, geom=geom, **values, **options.fixed)
    if spec.key == "source_id":
        obj.source = options.source
        obj.source_id = _key(record, plan, values, bytes(geom.wkb))
    if model is Camera:
        from layers.viewshed import camera_viewshed

        obj.viewshed = camera_viewshed(obj)
    obj.clean_fields(exclude=["municipality", "batch", "viewshed"])
    obj.clean()
    return getattr(obj, spec.key), obj


def _convert(model_field, raw, options: ImportOptions, values: dict, zone):
    name = model_field.name
    if cols.is_blank(raw) and not (model_field.choices and name in options.values):
        if model_field.null:
            return None
        if model_field.has_default():
            return model_field.get_default()
        if model_field.blank:
            return ""
        raise ValidationError({name: "is required"})
    try:
        if model_field.choices:
            choices = {str(value): str(label) for value, label in model_field.flatchoices}
            return cols.map_choice(raw, name, choices, options.values.get(name, {}))
        if isinstance(model_field, models.BooleanField):
            return cols.parse_bool(raw)
        if isinstance(model_field, models.FloatField | models.IntegerField):
            return cols.parse_number(raw)
        if isinstance(model_field, models.DateTimeField):
            start = values.get("occurred_at") if name == "occurred_to" else None
            return cols.parse_moment(raw, zone, after=start)
        return _text(raw)
    except ValueError as error:
        message = str(error)
        raise ValidationError({name: message.removeprefix(f"{name}: ")}) from None


def _text(raw) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, datetime | date):
        return raw.isoformat()
    return str(raw).strip()


def _geos(geometry, model_field) -> GEOSGeometry:
    """The shapely geometry (storage CRS) as GEOS, made the type the field stores where that
    is only a matter of parts (a Polygon in a MultiPolygon field, a one-part multi)."""
    geom = GEOSGeometry(memoryview(shapely.to_wkb(geometry, output_dimension=2)))
    geom.srid = settings.TRYGG_SRID
    target = model_field.geom_type
    if target == "MULTIPOLYGON" and geom.geom_type == "Polygon":
        geom = MultiPolygon(geom, srid=geom.srid)
    elif (
        target in {"POINT", "LINESTRING"} and geom.geom_type.startswith("Multi") and len(geom) == 1
    ):
        geom = geom[0]
        geom.srid = settings.TRYGG_SRID
    return geom


def _key(record: dict, plan: _Plan, values: dict, wkb: bytes | Callable[[], bytes]) -> str:
    """The record's own id (``--id-column``), else a hash of its geometry (`wkb`, or what
    makes it: only called when needed) and values."""
    column = plan.mapping.get(cols.ID)
    if column is not None and not cols.is_blank(record.get(column)):
        key = _text(record[column])
        if len(key) > 64:
            raise ValidationError({"source_id": f"the id {key[:20]}… is longer than 64"})
        return key
    # No id of its own: the record's content is its identity (the same row again is unchanged).
    digest = hashlib.sha256(wkb() if callable(wkb) else wkb)
    digest.update("".join(f"\x1f{name}={values[name]!r}" for name in sorted(values)).encode())
    return "row:" + digest.hexdigest()[:40]


def _upsert(spec: LayerSpec, options: ImportOptions, good: list, batch, result) -> None:
    if not good:
        return
    model = spec.model
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {SEEN_TABLE} (key) SELECT unnest(%s::text[]) ON CONFLICT DO NOTHING "
            "RETURNING key",
            [[key for _, key, _ in good]],
        )
        fresh = {found for (found,) in cursor.fetchall()}
    firsts, seen_here = [], set()
    for row, key, obj in good:
        if key not in fresh or key in seen_here:
            result.rejected.append({"row": row, "reason": f"the id {key!r} appears earlier"})
            continue
        seen_here.add(key)
        firsts.append((key, obj))
    existing = {
        getattr(obj, spec.key): obj
        for obj in _scope(spec, options).filter(**{f"{spec.key}__in": [k for k, _ in firsts]})
    }
    names = [
        *spec.fields,
        *options.fixed,
        "geom",
        *(["length_m"] if model is StreetSegment else []),
    ]
    names += ["viewshed"] if model is Camera else []
    created, updated, changes = [], [], []
    for key, obj in firsts:
        old = existing.get(key)
        if old is None:
            obj.batch = batch
            created.append(obj)
            continue
        if all(same(getattr(old, n), getattr(obj, n)) for n in names if n != "viewshed"):
            result.unchanged += 1
            continue
        changes.append(
            ImportChange(
                batch=batch,
                object_id=old.pk,
                action=ImportChange.Action.UPDATED,
                previous=snapshot(old),
            )
        )
        for name in names:
            setattr(old, name, getattr(obj, name))
        old.batch = batch
        old.updated_at = timezone.now()  # bulk_update does not run auto_now
        updated.append(old)
    model.objects.bulk_create(created, batch_size=1000)
    model.objects.bulk_update(updated, [*names, "batch", "updated_at"], batch_size=1000)
    ImportChange.objects.bulk_create(changes, batch_size=1000)
    result.created += len(created)
    result.updated += len(updated)


def _scope(spec: LayerSpec, options: ImportOptions):
    objects = spec.model.objects.filter(municipality=options.municipality)
    return objects.filter(source=options.source) if spec.key == "source_id" else objects


def _remove_missing(spec: LayerSpec, options: ImportOptions, batch) -> int:
    """Remove the objects of this source that the file did not hold (a register export is the
    whole truth), keeping their values in the batch so that undo brings them back."""
    missing = _scope(spec, options).extra(
        where=[
            f"NOT EXISTS (SELECT 1 FROM {SEEN_TABLE} AS seen WHERE seen.key = "
            f'"{spec.model._meta.db_table}"."{spec.key}" COLLATE "C")'
        ]
    )
    pks: list[int] = []
    changes: list[ImportChange] = []
    for obj in missing.iterator(chunk_size=2000):
        changes.append(
            ImportChange(
                batch=batch,
                object_id=obj.pk,
                action=ImportChange.Action.REMOVED,
                previous=snapshot(obj),
            )
        )
        pks.append(obj.pk)
        if len(changes) == 2000:
            ImportChange.objects.bulk_create(changes)
            changes = []
    ImportChange.objects.bulk_create(changes)
    count = len(pks)
    for start in range(0, len(pks), 2000):
        spec.model.objects.filter(pk__in=pks[start : start + 2000]).delete()
    return count


# --- snapshots, undo, listing ----------------------------------------------------------------


def _restored(model: type[models.Model], data: dict) -> dict:
    values = {}
    for model_field in model._meta.concrete_fields:
        if model_field.attname not in data:
            continue
        value = data[model_field.attname]
        if value is not None and isinstance(model_field, gis_models.GeometryField):
            value = GEOSGeometry(value)
        elif value is not None and isinstance(model_field, models.DateTimeField):
            value = datetime.fromisoformat(value)
        values[model_field.attname] = value
    return values


def undo(batch_id: int) -> ImportBatch:
    """Take batch `batch_id` back: what it created is deleted, what it changed gets its
    previous values, what it removed comes back. Only the newest live batch of its
    municipality, layer and source can be undone (a later one may build on it)."""
    batch = ImportBatch.objects.filter(pk=batch_id).first()
    if batch is None:
        raise ImportFileError(f"there is no import batch {batch_id}")
    if batch.undone_at is not None:
        raise ImportFileError(f"batch {batch_id} was already undone")
    later = (
        ImportBatch.objects.filter(
            municipality=batch.municipality_id,
            layer=batch.layer,
            source=batch.source,
            undone_at__isnull=True,
            pk__gt=batch.pk,
        )
        .order_by("-pk")
        .first()
    )
    if later is not None:
        raise ImportFileError(f"batch {later.pk} into the same layer came later; undo it first")
    model = LAYERS[batch.layer].model
    with transaction.atomic():
        changes = batch.changes.all()
        updated = changes.filter(action=ImportChange.Action.UPDATED)
        for change in updated.iterator(chunk_size=1000):
            model.objects.filter(pk=change.object_id).update(**_restored(model, change.previous))
        model.objects.filter(batch=batch).delete()  # what it created
        removed = changes.filter(action=ImportChange.Action.REMOVED)
        back = [
            model(pk=change.object_id, **_restored(model, change.previous))
            for change in removed.iterator(chunk_size=1000)
        ]
        model.objects.bulk_create(back, batch_size=1000)
        if model in (Incident, Property):
            link_incidents(batch.municipality_id)
        batch.undone_at = timezone.now()
        batch.save(update_fields=["undone_at"])
    return batch


def batch_row(batch: ImportBatch) -> dict:
    """A batch as `trygg imports list --json` prints it (times on the installation's clock, with
    their offset)."""
    return {
        "batch": batch.pk,
        "municipality": batch.municipality.code,
        "layer": batch.layer,
        "source": batch.source,
        "file_name": batch.file_name,
        "file_sha256": batch.file_sha256,
        "crs": batch.crs,
        "imported_by": batch.imported_by,
        "imported_at": timezone.localtime(batch.created_at).isoformat(),
        "created": batch.created,
        "updated": batch.updated,
        "unchanged": batch.unchanged,
        "removed": batch.removed,
        "rejected": batch.rejected,
        "undone_at": timezone.localtime(batch.undone_at).isoformat() if batch.undone_at else None,
    }


def save_profile(municipality: Municipality, name: str, layer: str, options: dict) -> None:
    """Keep the mapping options of an import under `name` for `--profile`."""
    ImportProfile.objects.update_or_create(
        municipality=municipality, name=name, defaults={"layer": layer, "options": options}
    )


def load_profile(municipality: Municipality, name: str, layer: str) -> dict:
    """The options saved as profile `name`; an ImportFileError when there is none for `layer`."""
    profile = ImportProfile.objects.filter(municipality=municipality, name=name).first()
    if profile is None:
        names = ", ".join(
            ImportProfile.objects.filter(municipality=municipality).values_list("name", flat=True)
        )
        raise ImportFileError(f"--profile: no profile {name!r} (saved: {names or 'none'})")
    if profile.layer != layer:
        raise ImportFileError(f"--profile: {name!r} is a profile for {profile.layer}, not {layer}")
    return dict(profile.options)
