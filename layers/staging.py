"""Writing a chunk of checked records into a layer through a staging table: COPY, then one
INSERT of the new objects and one UPDATE of the changed ones.

An import of a register of 100,000 lamps or a survey of 1,000,000 lux readings must not build
a Django object per row and an INSERT statement per thousand: the records of a chunk are
streamed into a temporary table with COPY (psycopg's ``cursor.copy``), and the layer is
written from it in two statements. What decides created, updated or unchanged is the same as
before: the source's key, and the stored values compared field by field (floats to 1e-9, the
geometry to 1 mm). The previous values of what is changed are kept as
:class:`~layers.models.ImportChange` rows (bulk) so the batch can be undone.

The chunk's text for COPY is made column by column and sent in one write. A chunk of a source
the layer held nothing of before the import, with no key repeated, is copied straight into the
layer instead (the same columns and values the INSERT would write); if the layer's unique index
refuses one of its keys, nothing of it is written and it takes the staging table's road.

Geometry arrives as shapely geometries in the storage CRS (TRYGG_SRID, metres) and is copied
as hex EWKB.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import psycopg
from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry
from django.db import connection, models, transaction

from gis.core.lazy import lazy_module
from layers.models import GreenArea, ImportChange, LuxReading, StreetLamp, Vegetation

# Imported on first use: the web process imports this module at boot (the import page).
np = lazy_module("numpy")
shapely = lazy_module("shapely")

STAGE_TABLE = "trygg_import_stage"
#: The keys met so far in an import (a temporary table, so memory does not grow with the file).
SEEN_TABLE = "trygg_import_seen"
#: The layers written through the staging table: keyed by the source's id, validated by the
#: fields and the geometry alone (no derived columns such as a viewshed or a length, no rule
#: between fields such as an incident's span).
STAGED_MODELS = (StreetLamp, LuxReading, Vegetation, GreenArea)


class _RepeatedKeyError(Exception):
    """Some keys of a chunk were already in the layer (rolls back to the savepoint)."""


@dataclass
class Item:
    """A checked record: its 1-based row, key, field values and geometry (storage CRS)."""

    row: int
    key: str
    values: dict
    geom: object  # a shapely geometry


def snapshot(obj: models.Model) -> dict:
    """The stored values of `obj` (but its primary key) as JSON: geometry as hex EWKB, instants
    in ISO 8601."""
    data = {}
    for model_field in obj._meta.concrete_fields:
        if model_field.primary_key:
            continue
        value = getattr(obj, model_field.attname)
        if isinstance(value, GEOSGeometry):
            value = value.hexewkb.decode() if isinstance(value.hexewkb, bytes) else value.hexewkb
        elif isinstance(value, datetime | date):
            value = value.isoformat()
        data[model_field.attname] = value
    return data


def same(old, new) -> bool:
    """Whether a stored value and a new one are the same (floats to 1e-9 relative; geometry of
    the same type and within 1 mm, vertex by vertex)."""
    if isinstance(old, GEOSGeometry) and isinstance(new, GEOSGeometry):
        return old.geom_type == new.geom_type and old.equals_exact(new, 0.001)
    if isinstance(old, float) and isinstance(new, float):
        return abs(old - new) <= 1e-9 * max(1.0, abs(old))
    return old == new


_NULL = "\\N"
_SPECIAL = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_FLOATS = {float("inf"): "Infinity", float("-inf"): "-Infinity"}


def _escape(text: str) -> str:
    """`text` as a field of COPY's text format (backslash, tab and line breaks escaped)."""
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.translate(_SPECIAL)
    return text


def _copy_text(value, memo: dict) -> str:
    """A field value in COPY's text format, as psycopg's dumpers write it (None as NULL,
    booleans as t/f, instants in ISO 8601 with their offset); `memo` keeps each distinct value
    of a column formatted once."""
    try:
        return memo[(type(value), value)]
    except KeyError:
        pass
    except TypeError:  # unhashable: formatted each time
        return _format(value)
    text = memo[(type(value), value)] = _format(value)
    return text


def _format(value) -> str:
    if value is None:
        return _NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, float):
        if value != value:
            return "NaN"
        return _FLOATS.get(value) or repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return _escape(str(value))


def _copy_lines(cells: list[list[str]]) -> bytes:
    """Columns of COPY text fields as the lines of one COPY, encoded."""
    return ("\n".join(["\t".join(row) for row in zip(*cells, strict=True)]) + "\n").encode()


def server_cursor() -> psycopg.Cursor:
    """A cursor on Django's connection (so inside its transaction) that sends its parameters
    apart from the query: a list of 5,000 keys goes as one binary array, not as quoted text."""
    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


class Stage:
    """The staging table of one import into `model` (a temporary table, dropped by
    :meth:`drop`), and the statements that write a chunk from it."""

    def __init__(self, model: type[models.Model], fields: tuple[str, ...], municipality, source):
        self.model = model
        self.fields = fields
        self.municipality = municipality
        self.source = source
        self.table = _q(model._meta.db_table)
        meta = model._meta
        written = {"id", "municipality", "source", "source_id", "geom", "batch", "created_at"}
        written |= {"updated_at", *fields}
        # The other columns get their defaults, as bulk_create would give them.
        self.defaults = [
            (f.column, f.get_db_prep_save(f.get_default(), connection))
            for f in meta.concrete_fields
            if f.name not in written
        ]
        # A field the file does not fill gets its default, as a new object would.
        self.unset = {name: meta.get_field(name).get_default() for name in fields}
        self.columns = ["id", "source_id", *(meta.get_field(n).column for n in fields), "geom"]
        self.now: str | None = None  # the transaction's now(), as COPY text
        with connection.cursor() as cursor:
            # Whether the source had objects before this import. If not, every key already in
            # the layer is one this import wrote (so it appears earlier): the layer's own
            # unique index finds them, and no key needs to be kept in the seen table.
            cursor.execute(
                f"SELECT EXISTS (SELECT 1 FROM {self.table} WHERE municipality_id = %s "
                "AND source = %s)",
                [municipality.pk, source],
            )
            self.had_objects = cursor.fetchone()[0]
            cursor.execute(f"DROP TABLE IF EXISTS {STAGE_TABLE}")
            # The record's number (`line`) and the layer's own columns, typed as the layer's.
            cursor.execute(
                f"CREATE TEMP TABLE {STAGE_TABLE} AS SELECT 0::integer AS line, "
                f"{', '.join(_q(c) for c in self.columns)} FROM {self.table} WITH NO DATA"
            )

    def drop(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {STAGE_TABLE}")

    def existing(self) -> dict[str, tuple]:
        """key → (pk, field values…, geometry as shapely) of the stored objects of this source
        whose key is in the staging table."""
        names = ", ".join(f"t.{_q(self.model._meta.get_field(n).column)}" for n in self.fields)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT DISTINCT ON (t.id) t.source_id, t.id, {names}, ST_AsBinary(t.geom) "
                f"FROM {STAGE_TABLE} AS s JOIN {self.table} AS t ON t.municipality_id = %s "
                "AND t.source = %s AND t.source_id <> '' AND t.source_id = s.source_id",
                [self.municipality.pk, self.source],
            )
            rows = cursor.fetchall()
        if not rows:
            return {}
        geoms = shapely.from_wkb([bytes(row[-1]) for row in rows])
        return {row[0]: (row[1], *row[2:-1], geom) for row, geom in zip(rows, geoms, strict=True)}

    def write(self, items: list[Item], batch, result, cells: list[list[str]]) -> None:
        """Create, update or leave each item whose key is met for the first time in the
        import (the others are rejected as appearing earlier), keeping the previous values of
        what is updated in the batch. `cells` are the items' :meth:`cells`, made ahead in the
        reading thread while the database wrote the last chunk."""
        if not items:
            return
        if not self.had_objects and self._copy_into_layer(items, cells, batch):
            result.created += len(items)
            return
        self._copy(items, cells)
        if not self.had_objects:
            self._write_new(items, batch, result)
            return
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {SEEN_TABLE} (key) SELECT source_id FROM {STAGE_TABLE} "
                "ON CONFLICT DO NOTHING RETURNING key"
            )
            fresh = {found for (found,) in cursor.fetchall()}
        firsts, dropped, seen_here = [], [], set()
        for item in items:
            if item.key not in fresh or item.key in seen_here:
                reason = f"the id {item.key!r} appears earlier"
                result.rejected.append({"row": item.row, "reason": reason})
                dropped.append(item.row)
                continue
            seen_here.add(item.key)
            firsts.append(item)
        existing = self.existing() if self.had_objects else {}
        changed = []
        for item in firsts:
            old = existing.get(item.key)
            if old is None:
                continue
            if self._unchanged(old, item):
                result.unchanged += 1
                dropped.append(item.row)
            else:
                changed.append((old[0], item))
        with server_cursor() as cursor:
            if dropped:
                cursor.execute(f"DELETE FROM {STAGE_TABLE} WHERE line = ANY(%s)", [dropped])
            if changed:
                cursor.execute(
                    f"UPDATE {STAGE_TABLE} AS s SET id = v.id FROM "
                    "unnest(%s::integer[], %s::bigint[]) AS v(line, id) WHERE s.line = v.line",
                    [[item.row for _, item in changed], [pk for pk, _ in changed]],
                )
        if changed:
            previous = self.model.objects.in_bulk([pk for pk, _ in changed])
            ImportChange.objects.bulk_create(
                [
                    ImportChange(
                        batch=batch,
                        object_id=pk,
                        action=ImportChange.Action.UPDATED,
                        previous=snapshot(previous[pk]),
                    )
                    for pk, _ in changed
                ],
                batch_size=1000,
            )
        created = len(firsts) - len([item for item in firsts if item.key in existing])
        self._apply(batch, created > 0, bool(changed))
        result.created += created
        result.updated += len(changed)

    def _write_new(self, items: list[Item], batch, result) -> None:
        """Insert a chunk into a layer that held nothing of this source before the import:
        in the records' order, a key the layer already holds (written by an earlier chunk, or
        earlier in this one) is skipped by the unique index and rejected as appearing earlier.
        The keys come back only when the count shows that some were skipped."""
        insert, params = self._insert_sql(batch)
        insert += " ORDER BY line ON CONFLICT (municipality_id, source, source_id) "
        insert += "WHERE NOT source_id = '' DO NOTHING"
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(insert, params)
                if cursor.rowcount != len(items):
                    raise _RepeatedKeyError
            result.created += len(items)
            return
        except _RepeatedKeyError:
            pass
        with connection.cursor() as cursor:
            cursor.execute(insert + " RETURNING source_id", params)
            inserted = {key for (key,) in cursor.fetchall()}
        seen_here = set()
        for item in items:
            if item.key in inserted and item.key not in seen_here:
                seen_here.add(item.key)
                continue
            reason = f"the id {item.key!r} appears earlier"
            result.rejected.append({"row": item.row, "reason": reason})
        result.created += len(seen_here)

    def _unchanged(self, old: tuple, item: Item) -> bool:
        stored = dict(zip(self.fields, old[1:-1], strict=True))
        values = item.values
        if not all(same(stored[n], values.get(n, self.unset[n])) for n in self.fields):
            return False
        geom = old[-1]
        return bool(
            shapely.get_type_id(geom) == shapely.get_type_id(item.geom)
            and shapely.equals_exact(geom, item.geom, tolerance=0.001)
        )

    def cells(self, items: list[Item]) -> list[list[str]]:
        """The chunk's source ids, field values and geometries (hex EWKB) in COPY's text
        format, column by column (each distinct field value formatted once). No database:
        made in the reading thread while the last chunk is written."""
        if not items:
            return []
        geoms = shapely.set_srid(np.array([item.geom for item in items]), settings.TRYGG_SRID)
        hexes = shapely.to_wkb(geoms, hex=True, include_srid=True, output_dimension=2).tolist()
        cells = [[_escape(item.key) for item in items]]
        for name in self.fields:
            unset, memo = self.unset[name], {}
            cells.append([_copy_text(item.values.get(name, unset), memo) for item in items])
        cells.append(hexes)
        return cells

    def _copy(self, items: list[Item], cells: list[list[str]]) -> None:
        """COPY the chunk (its :meth:`cells`) into the staging table, in one write."""
        cells = [[str(item.row) for item in items], [_NULL] * len(items), *cells]
        columns = ", ".join(["line", *(_q(c) for c in self.columns)])
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {STAGE_TABLE}")
            with cursor.copy(f"COPY {STAGE_TABLE} ({columns}) FROM STDIN") as copy:
                copy.write(_copy_lines(cells))
            if self.had_objects:  # the planner must know its size to join it well
                cursor.execute(f"ANALYZE {STAGE_TABLE}")

    def _copy_into_layer(self, items: list[Item], cells: list[list[str]], batch) -> bool:
        """COPY a chunk (its :meth:`cells`) of a source new to the layer straight into the
        layer, as the INSERT
        from the staging table would write it. False, with nothing written, when a key is
        repeated in the chunk or was written by an earlier chunk (the layer's unique index
        refuses it): then the chunk goes through the staging table, which tells which."""
        keys = {item.key for item in items}
        if len(keys) != len(items):
            return False
        if self.now is None:  # now() is the transaction's start, as the INSERT writes it
            with connection.cursor() as cursor:
                cursor.execute("SELECT now()")
                self.now = _format(cursor.fetchone()[0])
        n = len(items)
        head = "\t".join([str(self.municipality.pk), _escape(self.source)])
        tail = "\t".join(
            [str(batch.pk), self.now, self.now, *(_format(value) for _, value in self.defaults)]
        )
        fields = [_q(self.model._meta.get_field(name).column) for name in self.fields]
        defaults = [_q(column) for column, _ in self.defaults]
        targets = ["municipality_id", "source", "source_id", *fields, "geom", "batch_id"]
        targets += ["created_at", "updated_at", *defaults]
        cells = [[head] * n, *cells, [tail] * n]
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                sql = f"COPY {self.table} ({', '.join(targets)}) FROM STDIN"
                with cursor.copy(sql) as copy:
                    copy.write(_copy_lines(cells))
        except psycopg.errors.UniqueViolation:
            return False
        return True

    def _insert_sql(self, batch) -> tuple[str, list]:
        """The INSERT of the staged rows without an id (new objects), and its parameters."""
        fields = [_q(self.model._meta.get_field(n).column) for n in self.fields]
        defaults = [_q(column) for column, _ in self.defaults]
        head = ["municipality_id", "source", "source_id", *fields, "geom", "batch_id"]
        targets = ", ".join([*head, "created_at", "updated_at", *defaults])
        chosen = ", ".join(
            ["%s", "%s", "source_id", *fields, "geom", "%s", "now()", "now()"]
            + ["%s"] * len(defaults)
        )
        sql = (
            f"INSERT INTO {self.table} ({targets}) SELECT {chosen} FROM {STAGE_TABLE} "
            "WHERE id IS NULL"
        )
        params = [self.municipality.pk, self.source, batch.pk, *(v for _, v in self.defaults)]
        return sql, params

    def _apply(self, batch, fresh: bool, changed: bool) -> None:
        fields = [_q(self.model._meta.get_field(n).column) for n in self.fields]
        sets = ", ".join([f"{f} = s.{f}" for f in fields] + ["geom = s.geom"])
        with connection.cursor() as cursor:
            if fresh:
                cursor.execute(*self._insert_sql(batch))
            if changed:
                cursor.execute(
                    f"UPDATE {self.table} AS t SET {sets}, batch_id = %s, updated_at = now() "
                    f"FROM {STAGE_TABLE} AS s WHERE t.id = s.id",
                    [batch.pk],
                )
