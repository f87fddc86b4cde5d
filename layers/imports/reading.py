"""Reading a table from a file, in chunks of records, whatever its format.

GDAL formats (GeoPackage, plain or zipped Shapefile, GeoJSON, FlatGeobuf, KML) are read through
pyogrio, ``chunk`` features at a time (``skip_features``/``max_features``); their geometry comes
as WKB in the file's own CRS. CSV is read with the standard library in chunks, its encoding
(UTF-8 with or without BOM, else Windows-1252) and delimiter (``,`` ``;`` or tab) detected; XLSX
through python-calamine, row by row. Memory stays bounded by the chunk size.

A file's kind is read from its first bytes and must agree with its name: a GeoPackage named
``.csv`` is refused, not misread.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import math
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from layers.imports import ImportFileError

#: The key of a record's geometry (WKB in the file's CRS) from a GDAL format.
GEOMETRY = "__geometry__"
CHUNK = 5000
# A zipped Shapefile that unpacks to more than this (or to more than RATIO times its size) is
# refused unread: a zip bomb.
MAX_UNZIPPED_BYTES = 2 * 1024**3
MAX_RATIO = 200
NESTED_ARCHIVES = (".zip", ".gz", ".tgz", ".7z", ".rar", ".tar", ".bz2", ".xz")

EXTENSIONS = {
    ".gpkg": "gpkg",
    ".shp": "shp",
    ".zip": "zip",
    ".geojson": "geojson",
    ".json": "geojson",
    ".fgb": "fgb",
    ".kml": "kml",
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".xlsx": "xlsx",
}
NAMES = {
    "gpkg": "a GeoPackage",
    "shp": "a Shapefile",
    "zip": "a zipped Shapefile",
    "geojson": "GeoJSON",
    "fgb": "a FlatGeobuf file",
    "kml": "KML",
    "csv": "a CSV text file",
    "xlsx": "an XLSX workbook",
    "binary": "an unknown binary file",
}
GDAL_KINDS = {"gpkg", "shp", "zip", "geojson", "fgb", "kml"}


def sniff_kind(path: Path) -> str:
    """The kind of file `path` is, from its first bytes (a key of :data:`NAMES`)."""
    with open(path, "rb") as handle:
        head = handle.read(4096)
    if head.startswith(b"SQLite format 3\x00"):
        return "gpkg"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
        except zipfile.BadZipFile:
            return "binary"
        if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
            return "xlsx"
        return "zip"
    if head[:4] == b"\x00\x00\x27\x0a":
        return "shp"
    if head.startswith(b"fgb"):
        return "fgb"
    if b"\x00" in head:
        return "binary"
    text = head.lstrip(codecs.BOM_UTF8).lstrip()
    if text.startswith(b"{"):
        return "geojson"
    if text.startswith(b"<"):
        return "kml" if b"<kml" in head else "binary"
    return "csv"


def file_kind(path: Path) -> str:
    """The kind of `path`, checked against its name: a file that is not what its name says is
    an ImportFileError."""
    if not path.is_file():
        raise ImportFileError(f"{path.name}: no such file")
    kind = sniff_kind(path)
    named = EXTENSIONS.get(path.suffix.lower())
    if kind == "binary" or (named and named != kind):
        said = NAMES[named] if named else "a known format"
        raise ImportFileError(
            f"{path.name} is named as {said} but is {NAMES[kind]}; nothing was imported"
        )
    return kind


def sha256(path: Path) -> str:
    """The hex SHA-256 of the file, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class Table:
    """A file opened as one table: its column names, CRS (an "EPSG:N" or WKT text, None when the
    file has none), and its records, read in chunks by :meth:`chunks`."""

    path: Path
    kind: str
    columns: list[str]
    crs: str | None = None
    geometry_type: str | None = None
    layer: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    decimal_comma: bool = False
    _source: str = field(default="", repr=False)

    @property
    def has_geometry(self) -> bool:
        return self.kind in GDAL_KINDS

    def chunks(self, size: int = CHUNK) -> Iterator[list[dict]]:
        """The records, `size` at a time, as dicts of column → value (GEOMETRY → WKB)."""
        if self.kind in GDAL_KINDS:
            yield from _gdal_chunks(self, size)
        elif self.kind == "xlsx":
            yield from _xlsx_chunks(self, size)
        else:
            yield from _csv_chunks(self, size)


def open_table(
    path: Path | str, layer_hint: tuple[str, ...] = (), layer: str | None = None
) -> Table:
    """Open `path` as a table. A file with several layers (a GeoPackage) takes `layer` when
    given (``--layer``), else the one named like one of `layer_hint` (e.g. "lamps",
    "belysning"), else it is an ImportFileError listing them."""
    path = Path(path)
    kind = file_kind(path)
    if kind in GDAL_KINDS:
        return _open_gdal(path, kind, layer_hint, layer)
    if layer is not None:
        raise ImportFileError(f"--layer: {path.name} is {NAMES[kind]}, which has no layers")
    if kind == "xlsx":
        return _open_xlsx(path)
    return _open_csv(path)


# --- GDAL ------------------------------------------------------------------------------------


def layer_names(path: Path | str) -> list[str]:
    """The layers of a GDAL file (a GeoPackage may hold several); [] for CSV and XLSX."""
    path = Path(path)
    kind = file_kind(path)
    if kind not in GDAL_KINDS:
        return []
    return _gdal_layers(path, _gdal_source(path, kind))


def _gdal_source(path: Path, kind: str) -> str:
    if kind == "zip":
        check_zip(path)
        return f"/vsizip/{path}"
    return str(path)


def _gdal_layers(path: Path, source: str) -> list[str]:
    import pyogrio

    try:
        layers = [name for name, _ in pyogrio.list_layers(source)]
    except Exception as error:
        raise ImportFileError(f"{path.name}: GDAL cannot read it ({_first_line(error)})") from None
    if not layers:
        raise ImportFileError(f"{path.name}: the file holds no layer")
    return layers


def _open_gdal(path: Path, kind: str, layer_hint: tuple[str, ...], chosen: str | None) -> Table:
    import pyogrio

    source = _gdal_source(path, kind)
    layers = _gdal_layers(path, source)
    layer = layers[0]
    if chosen is not None:
        if chosen not in layers:
            raise ImportFileError(
                f"--layer: {path.name} has no layer {chosen!r}; its layers are {', '.join(layers)}"
            )
        layer = chosen
    elif len(layers) > 1:
        wanted = [name for name in layers if name.lower() in {h.lower() for h in layer_hint}]
        if not wanted:
            raise ImportFileError(
                f"{path.name} holds the layers {', '.join(layers)}; choose one with --layer NAME"
            )
        layer = wanted[0]
    info = pyogrio.read_info(source, layer=layer)
    crs = info.get("crs")
    return Table(
        path=path,
        kind=kind,
        columns=[str(name) for name in info["fields"]],
        crs=crs,
        geometry_type=info.get("geometry_type"),
        layer=layer,
        _source=source,
    )


def check_zip(path: Path, *, shapefile: bool = True) -> None:
    """Refuse a zip archive, unread, that unpacks to more than MAX_UNZIPPED_BYTES or MAX_RATIO
    times its size (a zip bomb), or that holds another archive (nested zips hide their size);
    with `shapefile`, one without a .shp too. (An XLSX workbook is a zip: checked the same.)"""
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
    unpacked = sum(member.file_size for member in members)
    packed = max(path.stat().st_size, 1)
    if unpacked > MAX_UNZIPPED_BYTES or unpacked > MAX_RATIO * packed:
        raise ImportFileError(
            f"{path.name} unpacks to {unpacked} bytes from {packed}: refused as a zip bomb"
        )
    if any(member.filename.lower().endswith(NESTED_ARCHIVES) for member in members):
        raise ImportFileError(f"{path.name} holds another archive: nested archives are refused")
    if shapefile and not any(member.filename.lower().endswith(".shp") for member in members):
        raise ImportFileError(f"{path.name} is a zip archive without a Shapefile (.shp) in it")


def _gdal_chunks(table: Table, size: int) -> Iterator[list[dict]]:
    # pyogrio's raw reader gives the fields as numpy arrays and the geometry as 2D WKB, without
    # building a data frame; a chunk with dates or times, or JSON fields, goes through the data
    # frame reader, whose Timestamps and parsed JSON are what the conversion of a cell expects.
    from pyogrio.raw import read

    skip = 0
    while True:
        meta, _, geometries, fields = read(
            table._source,
            layer=table.layer,
            skip_features=skip,
            max_features=size,
            force_2d=True,
        )
        if not len(geometries):
            return
        if any(values.dtype.kind == "M" for values in fields) or "OFSTJSON" in list(
            meta.get("ogr_subtypes") or []
        ):
            yield _gdal_frame_chunk(table, skip, size)
        else:
            names = [str(name) for name in meta["fields"]]
            cells = [_cells(values) for values in fields]
            keys = [*names, GEOMETRY]
            yield [
                dict(zip(keys, row, strict=True)) for row in zip(*cells, geometries, strict=True)
            ]
        if len(geometries) < size:
            return
        skip += size


def _cells(values) -> list:
    """A field's values as Python scalars, as the data frame reader gives them (a missing
    text is NaN there, not None)."""
    cells = values.tolist()
    if values.dtype.kind == "O" and None in cells:
        cells = [math.nan if cell is None else cell for cell in cells]
    return cells


def _gdal_frame_chunk(table: Table, skip: int, size: int) -> list[dict]:
    import pyogrio
    import shapely

    frame = pyogrio.read_dataframe(
        table._source, layer=table.layer, skip_features=skip, max_features=size
    )
    geometries = shapely.to_wkb(frame.geometry.values, output_dimension=2)
    # As to_dict("records") makes them (Python scalars, Timestamps), column by column.
    names = [name for name in frame.columns if name != "geometry"]
    cells = [frame[name].tolist() for name in names]
    keys = [*names, GEOMETRY]
    return [dict(zip(keys, row, strict=True)) for row in zip(*cells, geometries, strict=True)]


# --- CSV -------------------------------------------------------------------------------------


def detect_encoding(path: Path) -> str:
    """ "utf-8-sig" for a BOM, "utf-8" when every byte decodes as UTF-8, else "cp1252" (what
    Excel on a Swedish Windows writes); the whole file is checked in blocks."""
    with open(path, "rb") as handle:
        if handle.read(3) == codecs.BOM_UTF8:
            return "utf-8-sig"
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            for block in iter(lambda: handle.read(1 << 20), b""):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8"


def detect_delimiter(header: str) -> str:
    """The delimiter of a CSV header line: the most frequent of ``;`` tab ``,`` (ties to ``;``,
    since a Swedish export's decimal commas make commas frequent)."""
    counts = {delimiter: header.count(delimiter) for delimiter in (";", "\t", ",")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


_DECIMAL_COMMA = re.compile(r"^\s*-?\d+,\d+\s*$")


def _open_csv(path: Path) -> Table:
    encoding = detect_encoding(path)
    with open(path, encoding=encoding, newline="") as handle:
        header = handle.readline()
        delimiter = detect_delimiter(header)
        reader = csv.reader(io.StringIO(header), delimiter=delimiter)
        columns = [name.strip() for name in next(reader, [])]
        sample = list(_take(csv.reader(handle, delimiter=delimiter), 50))
    if not columns or not any(columns):
        raise ImportFileError(f"{path.name}: the CSV file has no header line")
    decimal_comma = delimiter != "," and any(
        _DECIMAL_COMMA.match(value) for row in sample for value in row
    )
    return Table(
        path=path,
        kind="csv",
        columns=columns,
        encoding=encoding,
        delimiter=delimiter,
        decimal_comma=decimal_comma,
    )


def _take(iterator, n: int):
    for _, item in zip(range(n), iterator, strict=False):
        yield item


def _csv_chunks(table: Table, size: int) -> Iterator[list[dict]]:
    with open(table.path, encoding=table.encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=table.delimiter)
        next(reader, None)
        chunk: list[dict] = []
        for row in reader:
            if not any(cell.strip() for cell in row):
                row = []  # an empty line is still a record: its number must not shift
            chunk.append(dict(zip(table.columns, row, strict=False)))
            if len(chunk) == size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk


# --- XLSX ------------------------------------------------------------------------------------


def _sheet(path: Path):
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as error:
        raise ImportFileError(
            f"{path.name}: not a readable workbook ({_first_line(error)})"
        ) from None
    return workbook.get_sheet_by_index(0)


def _open_xlsx(path: Path) -> Table:
    rows = _sheet(path).iter_rows()
    header = next(rows, None)
    if not header or not any(str(cell).strip() for cell in header):
        raise ImportFileError(f"{path.name}: the first sheet has no header row")
    return Table(path=path, kind="xlsx", columns=[str(cell).strip() for cell in header])


def _xlsx_chunks(table: Table, size: int) -> Iterator[list[dict]]:
    rows = _sheet(table.path).iter_rows()
    next(rows, None)
    chunk: list[dict] = []
    for row in rows:
        chunk.append(dict(zip(table.columns, row, strict=False)))
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _first_line(error: Exception) -> str:
    return (str(error).splitlines() or [type(error).__name__])[0]
