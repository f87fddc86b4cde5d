"""Backup and restore of an installation: the database and the media files in one tar archive.

Archive layout (an uncompressed tar; the dump is compressed, the photos are JPEG already):

    db.dump         `pg_dump -Fc` of the database, taken in an exported snapshot
    media/...       every regular file under MEDIA_ROOT (photos, thumbnails, rasters)
    manifest.json   format and version, time, database facts, rows per table (from the dump's
                    snapshot), and SHA-256 and size of every other member

The media files are copied after the database snapshot; photos are written once and never
changed, so the archive is consistent except for files deleted while the backup runs.

No Django here: the functions take the Django `DATABASES` entry (a plain dict) and paths, and the
PostgreSQL client binaries come from the same bindir as the embedded server (or the PATH).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

FORMAT = "trygg-backup"
VERSION = 1
MANIFEST = "manifest.json"
DUMP = "db.dump"
MEDIA = "media"
CLIENT_HINT = "install the PostgreSQL client: sudo apt-get install -y postgresql-client"
# Keys of a Django DATABASES["OPTIONS"] that are not libpq connection parameters.
_DJANGO_OPTIONS = {"isolation_level", "server_side_binding", "pool", "assume_role", "context"}
_CHUNK = 1024 * 1024


def _owned_sql(catalog: str, alias: str) -> str:
    """The WHERE test of an object of `catalog` (alias `alias`, its schema `n`) that is the
    installation's own: outside the system schemas and owned by no extension."""
    return f"""n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
  AND NOT EXISTS (
    SELECT 1 FROM pg_depend d
    WHERE d.classid = '{catalog}'::regclass AND d.objid = {alias}.oid AND d.deptype = 'e')"""


# User relations: everything outside the system schemas that no extension owns
# (PostGIS's spatial_ref_sys, topology and tiger tables are the extension's, not data).
_RELATIONS_SQL = f"""
SELECT n.nspname, c.relname, c.relkind::text
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
  AND {_owned_sql("pg_class", "c")}
ORDER BY 1, 2
"""

# Functions that are data of the installation (a trigger's), not an extension's (PostGIS).
_FUNCTIONS_SQL = f"""
SELECT n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE {_owned_sql("pg_proc", "p")}
ORDER BY 1, 2
"""


class BackupError(RuntimeError):
    """A backup or restore cannot be done; the message says why in one line."""


@dataclass
class BackupResult:
    """What `create_backup` wrote."""

    path: Path
    size: int
    seconds: float
    tables: dict[str, int] = field(default_factory=dict)
    files: int = 0


@dataclass
class RestoreResult:
    """What `restore_backup` restored."""

    tables: dict[str, int]
    files: int
    seconds: float


# --- connection ---------------------------------------------------------------------------------
def connection_params(settings_dict: dict) -> dict[str, str]:
    """libpq connection parameters of a Django `DATABASES` entry (password included).

    For the embedded cluster HOST is its socket directory; OPTIONS such as `sslmode` or
    `connect_timeout` are passed on, Django's own options are left out.
    """
    params = {
        "dbname": settings_dict.get("NAME") or "",
        "user": settings_dict.get("USER") or "",
        "password": settings_dict.get("PASSWORD") or "",
        "host": settings_dict.get("HOST") or "",
        "port": str(settings_dict.get("PORT") or ""),
    }
    for key, value in (settings_dict.get("OPTIONS") or {}).items():
        if key not in _DJANGO_OPTIONS and isinstance(value, str | int | float):
            params[key] = str(value)
    return {key: value for key, value in params.items() if value}


def _client_env(params: dict[str, str], application: str) -> tuple[str, dict[str, str]]:
    """A conninfo string without the password, and an environment carrying it (never argv)."""
    public = {key: value for key, value in params.items() if key != "password"}
    env = {**os.environ, "PGAPPNAME": application}
    if "password" in params:
        env["PGPASSWORD"] = params["password"]
    return make_conninfo(**public), env


def _connect(params: dict[str, str], **kwargs) -> psycopg.Connection:
    try:
        return psycopg.connect(**params, **kwargs)
    except psycopg.OperationalError as error:
        name = params.get("dbname")
        raise BackupError(f"cannot connect to database {name}: {_first(error)}") from None


def client_binary(name: str) -> Path:
    """`pg_dump`/`pg_restore` from the embedded server's bindir, else from the PATH."""
    from gis.embedded_db import EmbeddedDbError, find_bindir

    try:
        candidate = find_bindir() / name
        if candidate.exists():
            return candidate
    except EmbeddedDbError:
        pass
    found = shutil.which(name)
    if found:
        return Path(found)
    raise BackupError(f"{name} not found; {CLIENT_HINT}")


def user_relations(conn: psycopg.Connection) -> list[tuple[str, str, str]]:
    """(schema, name, relkind) of every relation that is data rather than an extension's."""
    return [tuple(row) for row in conn.execute(_RELATIONS_SQL)]


def user_functions(conn: psycopg.Connection) -> set[tuple[str, str, str]]:
    """(schema, name, identity arguments) of every function that is the installation's own (a
    trigger's), not an extension's."""
    return {tuple(row) for row in conn.execute(_FUNCTIONS_SQL)}


def table_counts(conn: psycopg.Connection) -> dict[str, int]:
    """Rows per user table, keyed "schema.table", in the connection's current snapshot."""
    counts = {}
    for schema, name, kind in user_relations(conn):
        if kind in {"r", "p"}:
            query = sql.SQL("SELECT count(*) FROM {}.{}").format(
                sql.Identifier(schema), sql.Identifier(name)
            )
            counts[f"{schema}.{name}"] = conn.execute(query).fetchone()[0]
    return counts


# --- backup -------------------------------------------------------------------------------------
def create_backup(
    settings_dict: dict,
    media_root: str | Path,
    output_dir: str | Path,
    *,
    srid: int | None = None,
) -> BackupResult:
    """Dump the database and copy MEDIA_ROOT into `output_dir/trygg-NAME-TIMESTAMP.tar`.

    Parameters
    ----------
    settings_dict : Django `DATABASES` entry of the database to back up.
    media_root : directory of the uploaded files; a missing directory backs up no files.
    output_dir : directory for the archive, created (mode 0700) if needed.
    srid : the installation's storage CRS (TRYGG_SRID), recorded so a restore can check it.

    Returns
    -------
    BackupResult with the archive's path, size in bytes, duration, rows per table, file count.
    The archive (mode 0600: it holds residents' contact details) appears only when complete.
    """
    started = time.monotonic()
    output = Path(output_dir)
    output.mkdir(parents=True, exist_ok=True, mode=0o700)
    media = Path(media_root)
    params = connection_params(settings_dict)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    archive = output / f"trygg-{params.get('dbname', 'db')}-{stamp}.tar"
    partial = archive.with_name(archive.name + ".partial")
    workdir = Path(tempfile.mkdtemp(prefix=".trygg-backup-", dir=output))
    try:
        dump = workdir / DUMP
        facts, counts = _dump(params, dump)
        facts["srid"] = srid
        files: dict[str, dict] = {}
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w") as tar:
            files[DUMP] = _add_hashed(tar, dump, DUMP)
            for path in media_files(media, exclude=output):
                name = f"{MEDIA}/{path.relative_to(media).as_posix()}"
                files[name] = _add_hashed(tar, path, name)
            manifest = {
                "format": FORMAT,
                "version": VERSION,
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "database": facts,
                "tables": counts,
                "files": files,
            }
            _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=1, sort_keys=True).encode())
        os.replace(partial, archive)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        partial.unlink(missing_ok=True)
    return BackupResult(
        path=archive,
        size=archive.stat().st_size,
        seconds=time.monotonic() - started,
        tables=counts,
        files=len(files) - 1,
    )


def _dump(params: dict[str, str], target: Path) -> tuple[dict, dict[str, int]]:
    """pg_dump into `target` inside an exported snapshot; the facts and row counts of it."""
    conninfo, env = _client_env(params, "trygg-backup")
    with _connect(params) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        facts = {
            "name": params.get("dbname"),
            "server_version": conn.execute("SHOW server_version").fetchone()[0],
            "postgis_version": _scalar(
                conn, "SELECT extversion FROM pg_extension WHERE extname = 'postgis'"
            ),
            "migrations": _migrations(conn),
        }
        counts = table_counts(conn)
        result = subprocess.run(
            [
                str(client_binary("pg_dump")),
                "--format=custom",
                "--no-password",
                f"--snapshot={snapshot}",
                "--lock-wait-timeout=30000",
                f"--file={target}",
                f"--dbname={conninfo}",
            ],
            env=env,
            capture_output=True,
            text=True,
        )
        conn.rollback()
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {_last_error(result.stderr)}")
    return facts, counts


def _scalar(conn: psycopg.Connection, query: str):
    row = conn.execute(query).fetchone()
    return row[0] if row else None


def _migrations(conn: psycopg.Connection) -> dict[str, str]:
    """The last applied migration of each app (empty before the first migrate)."""
    if _scalar(conn, "SELECT to_regclass('public.django_migrations')::text") is None:
        return {}
    rows = conn.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    return {app: name for app, name in rows}


def media_files(media: Path, exclude: Path) -> list[Path]:
    """Regular files under `media`, sorted, leaving out `exclude` (backups kept in media)."""
    if not media.is_dir():
        return []
    excluded = exclude.resolve()
    found = []
    for directory, dirnames, filenames in os.walk(media):
        here = Path(directory)
        dirnames[:] = sorted(d for d in dirnames if (here / d).resolve() != excluded)
        found += [
            here / name
            for name in sorted(filenames)
            if (here / name).is_file() and not (here / name).is_symlink()
        ]
    return found


class _HashingReader(io.RawIOBase):
    """A file wrapper that hashes what is read through it."""

    def __init__(self, handle) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data


def _tarinfo(name: str, size: int, mtime: float) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = int(mtime)
    info.mode = 0o600
    return info


def _add_hashed(tar: tarfile.TarFile, path: Path, name: str) -> dict:
    """Add a file, hashing it in the same read; its SHA-256 and size."""
    stat = path.stat()
    with open(path, "rb") as handle:
        reader = _HashingReader(handle)
        try:
            tar.addfile(_tarinfo(name, stat.st_size, stat.st_mtime), reader)
        except OSError as error:
            raise BackupError(f"{path} changed while it was backed up: {error}") from error
    return {"sha256": reader.digest.hexdigest(), "size": reader.size}


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    tar.addfile(_tarinfo(name, len(data), time.time()), io.BytesIO(data))


# --- restore ------------------------------------------------------------------------------------
def read_manifest(archive: str | Path) -> dict:
    """The manifest of an archive; BackupError if it is not a Trygg backup."""
    try:
        with tarfile.open(archive, "r:") as tar:
            member = tar.getmember(MANIFEST)
            manifest = json.load(tar.extractfile(member))
    except FileNotFoundError:
        raise BackupError(f"no such archive: {archive}") from None
    except (tarfile.TarError, KeyError, ValueError, OSError) as error:
        raise BackupError(f"{archive} is not a Trygg backup: {_first(error)}") from None
    if manifest.get("format") != FORMAT or not isinstance(manifest.get("files"), dict):
        raise BackupError(f"{archive} is not a Trygg backup (format {manifest.get('format')!r})")
    if int(manifest.get("version", 0)) > VERSION:
        raise BackupError(f"{archive} has format version {manifest['version']}; upgrade Trygg")
    return manifest


def _member_path(name: str) -> PurePosixPath:
    """The member's path if it is the dump or a media file with a safe relative name."""
    path = PurePosixPath(name)
    safe = (
        not path.is_absolute()
        and ".." not in path.parts
        and "\\" not in name
        and (name == DUMP or (len(path.parts) > 1 and path.parts[0] == MEDIA))
    )
    if not safe:
        raise BackupError(f"archive member {name!r} is not allowed")
    return path


def verify_archive(archive: str | Path) -> dict:
    """Check every member against the manifest (names, sizes, SHA-256); the manifest.

    Raises BackupError naming the first member that is missing, unexpected, unsafe (an absolute
    path, `..`, a link) or corrupt.
    """
    manifest = read_manifest(archive)
    expected = manifest["files"]
    seen = set()
    with tarfile.open(archive, "r:") as tar:
        for member in tar:
            if member.name == MANIFEST:
                continue
            _member_path(member.name)
            if not member.isreg():
                raise BackupError(f"archive member {member.name!r} is not a regular file")
            if member.name not in expected:
                raise BackupError(f"archive member {member.name!r} is not in the manifest")
            digest = hashlib.sha256()
            source = tar.extractfile(member)
            while chunk := source.read(_CHUNK):
                digest.update(chunk)
            want = expected[member.name]
            if digest.hexdigest() != want["sha256"] or member.size != want["size"]:
                raise BackupError(f"archive member {member.name!r} is corrupt (SHA-256 differs)")
            seen.add(member.name)
    missing = sorted(set(expected) - seen)
    if missing:
        raise BackupError(f"archive member {missing[0]!r} is missing")
    return manifest


def restore_backup(
    archive: str | Path,
    settings_dict: dict,
    media_root: str | Path,
    *,
    force: bool = False,
    srid: int | None = None,
) -> RestoreResult:
    """Restore an archive of `create_backup` into a database and MEDIA_ROOT.

    Parameters
    ----------
    archive : the .tar written by `create_backup`; verified completely before anything changes.
    settings_dict : Django `DATABASES` entry of the target database, which must exist and be
        empty (only extensions such as PostGIS) unless `force`.
    media_root : directory the media files are restored into.
    force : replace the contents of a non-empty database (`pg_restore --clean`) and overwrite
        media files whose content differs.
    srid : the installation's TRYGG_SRID; a backup made with another one is refused.

    Returns
    -------
    RestoreResult with rows per table (checked against the manifest), file count, duration.
    The database part is one transaction: if it fails, the database is left as it was.
    """
    started = time.monotonic()
    manifest = verify_archive(archive)
    made_with = manifest["database"].get("srid")
    if srid is not None and made_with is not None and int(made_with) != int(srid):
        raise BackupError(
            f"the backup was made with TRYGG_SRID={made_with} but this installation uses {srid}; "
            f"set TRYGG_SRID={made_with} to restore it"
        )
    params = connection_params(settings_dict)
    name = params.get("dbname")
    with _connect(params, autocommit=True) as conn:
        found = user_relations(conn)
        relations = [f"{s}.{n}" for s, n, _ in found]
        tables = {(s, n) for s, n, kind in found if kind in {"r", "p"}}
        functions = user_functions(conn)
        extensions = {row[0] for row in conn.execute("SELECT extname FROM pg_extension")}
    if relations and not force:
        raise BackupError(
            f"database {name} is not empty ({len(relations)} relations, e.g. {relations[0]}); "
            "restore into an empty database or pass --force to replace its contents"
        )
    media = Path(media_root)
    media_members = sorted(n for n in manifest["files"] if n != DUMP)
    if not force:
        for member in media_members:
            target = media / PurePosixPath(member).relative_to(MEDIA)
            if target.exists() and _sha256(target) != manifest["files"][member]["sha256"]:
                raise BackupError(f"{target} exists with other content; pass --force to overwrite")
    with tempfile.TemporaryDirectory(prefix="trygg-restore-") as workdir:
        dump = Path(workdir) / DUMP
        with tarfile.open(archive, "r:") as tar, open(dump, "wb") as out:
            shutil.copyfileobj(tar.extractfile(tar.getmember(DUMP)), out, _CHUNK)
        _pg_restore(
            params,
            dump,
            Path(workdir) / "toc.list",
            force=force,
            present=extensions,
            tables=tables,
            functions=functions,
        )
    with _connect(params, autocommit=True) as conn:
        conn.execute("ANALYZE")
        counts = table_counts(conn)
    differ = [t for t, n in manifest["tables"].items() if counts.get(t) != n]
    if differ:
        raise BackupError(
            f"restored table {differ[0]} has {counts.get(differ[0])} rows, "
            f"the backup {manifest['tables'][differ[0]]}"
        )
    _restore_media(archive, media, media_members, manifest["files"])
    return RestoreResult(
        tables={t: counts[t] for t in manifest["tables"]},
        files=len(media_members),
        seconds=time.monotonic() - started,
    )


def _pg_restore(
    params: dict[str, str],
    dump: Path,
    listing: Path,
    *,
    force: bool,
    present: set[str],
    tables: set[tuple[str, str]] = frozenset(),
    functions: set[tuple[str, str, str]] = frozenset(),
) -> None:
    """pg_restore in one transaction, without owners/grants of the source installation.

    Comments on extensions need their owner (a superuser), so they are left out; with `force`,
    extensions the target already has are left alone rather than dropped and re-created, and
    the target's `tables` and `functions` (schema, name, arguments) the dump does not have (a
    newer release's, say) are dropped in the same transaction: the database is the backup's,
    nothing else left over.
    """
    binary = str(client_binary("pg_restore"))
    toc = subprocess.run([binary, "--list", str(dump)], capture_output=True, text=True)
    if toc.returncode != 0:
        raise BackupError(f"pg_restore cannot read the dump: {_last_error(toc.stderr)}")
    keep = []
    for line in toc.stdout.splitlines():
        if " COMMENT - EXTENSION " in line:
            continue
        if force and " EXTENSION - " in line and line.split()[-1] in present:
            continue
        keep.append(line)
    listing.write_text("\n".join(keep) + "\n")
    conninfo, env = _client_env(params, "trygg-restore")
    command = [
        binary,
        "--no-password",
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        "--single-transaction",
        f"--use-list={listing}",
        f"--dbname={conninfo}",
    ]
    if force:
        command += ["--clean", "--if-exists"]
    dumped = {tuple(line.split()[-3:-1]) for line in keep if " TABLE " in line}
    extra = sorted(tables - dumped) if force else []
    # A function's TOC entry: "...; 1255 16400 FUNCTION public name(arguments) owner".
    dumped_functions = {
        tuple(line.split(" FUNCTION ", 1)[1].split("(", 1)[0].split(" ", 1))
        for line in keep
        if " FUNCTION " in line
    }
    extra_functions = sorted(f for f in functions if f[:2] not in dumped_functions) if force else []
    if extra or extra_functions:
        # pg_restore cannot run other statements in its transaction: its SQL goes through psql,
        # after the drops, in one transaction.
        script = listing.with_name("restore.sql")
        command = [part for part in command if not part.startswith("--dbname")]
        command.remove("--single-transaction")
        made = subprocess.run(
            [*command, f"--file={script}", str(dump)], env=env, capture_output=True, text=True
        )
        if made.returncode != 0:
            raise BackupError(f"pg_restore cannot read the dump: {_last_error(made.stderr)}")
        drops = "; ".join(
            [f'DROP TABLE IF EXISTS "{schema}"."{name}" CASCADE' for schema, name in extra]
            + [
                f'DROP FUNCTION IF EXISTS "{schema}"."{name}"({arguments}) CASCADE'
                for schema, name, arguments in extra_functions
            ]
        )
        command = [
            str(client_binary("psql")),
            "--no-psqlrc",
            "--no-password",
            "--quiet",
            "--single-transaction",
            "--set=ON_ERROR_STOP=1",
            f"--command={drops}",
            f"--file={script}",
            f"--dbname={conninfo}",
        ]
        result = subprocess.run(command, env=env, capture_output=True, text=True)
    else:
        result = subprocess.run([*command, str(dump)], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(
            f"pg_restore failed, the database is unchanged: {_last_error(result.stderr)}"
        )


def _restore_media(archive: str | Path, media: Path, members: list[str], files: dict) -> None:
    """Write the media members under `media` (each via a temporary file), checking SHA-256."""
    wanted = set(members)
    with tarfile.open(archive, "r:") as tar:
        for member in tar:
            if member.name not in wanted:
                continue
            target = media / _member_path(member.name).relative_to(MEDIA)
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_name(f".{target.name}.restoring")
            digest = hashlib.sha256()
            source = tar.extractfile(member)
            with open(temporary, "wb") as out:
                while chunk := source.read(_CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
            if digest.hexdigest() != files[member.name]["sha256"]:
                temporary.unlink()
                raise BackupError(f"{member.name} changed while it was restored")
            os.replace(temporary, target)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _first(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


def _last_error(stderr: str) -> str:
    """The most telling line of a client's stderr: its first error, else its last line."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if "error:" in line or "ERROR:" in line]
    return (errors or lines or ["no message"])[0 if errors else -1]
