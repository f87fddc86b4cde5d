"""Files uploaded to the import page: checked, then kept in a private folder until imported.

The folder (TRYGG_IMPORT_DIR, by default ``var/imports``) is outside MEDIA_ROOT, so no URL ever
serves it; each upload gets a folder of its own with a random name. A file is refused
(:class:`UploadRefusedError`, a message for the person) when it is larger than
TRYGG_IMPORT_MAX_BYTES, when its name is not of a format the import reads, when its bytes are
not what its name says, and, for a zip archive or an XLSX workbook (a zip too), when it would
unpack to too much or holds another archive (:func:`layers.imports.reading.check_zip`).
"""

from __future__ import annotations

import re
import shutil
import uuid
from pathlib import Path

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from gis.core import conf
from gis.paths import var_dir
from layers.imports import ImportFileError
from layers.imports.reading import EXTENSIONS, check_zip, file_kind


class UploadRefusedError(ValueError):
    """An uploaded file that is not kept; the message is for the person who sent it."""


def import_dir() -> Path:
    """The private folder of uploaded import files."""
    configured = conf.setting("TRYGG_IMPORT_DIR")
    return Path(configured) if configured else var_dir() / "imports"


def max_bytes() -> int:
    return int(conf.setting("TRYGG_IMPORT_MAX_BYTES"))


def safe_name(name: str) -> str:
    """A file name that is safe to store: its last part, letters, digits, ``.-_`` only."""
    base = re.split(r"[\\/]", name)[-1]
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._") or "upload"
    return stem[-120:]


def store(upload: UploadedFile) -> Path:
    """Check `upload` and keep it; the path of the kept file. UploadRefusedError otherwise."""
    cap = max_bytes()
    if upload.size is None or upload.size > cap:
        raise UploadRefusedError(
            _("The file is too large: at most %(mb).0f MB may be uploaded.")
            % {"mb": cap / 1024 / 1024}
        )
    name = safe_name(upload.name or "")
    if Path(name).suffix.lower() not in EXTENSIONS:
        raise UploadRefusedError(
            _("Files of this kind cannot be imported; upload %(kinds)s.")
            % {"kinds": ", ".join(sorted(set(EXTENSIONS)))}
        )
    folder = import_dir() / uuid.uuid4().hex
    folder.mkdir(parents=True, mode=0o700)
    path = folder / name
    with path.open("wb") as out:
        for part in upload.chunks():
            out.write(part)
    try:
        kind = file_kind(path)
        if kind in {"zip", "xlsx"}:
            check_zip(path, shapefile=kind == "zip")
    except ImportFileError as error:
        discard(path)
        raise UploadRefusedError(
            _("The file was refused: %(reason)s") % {"reason": error}
        ) from None
    return path


def discard(path: Path | str) -> None:
    """Remove a kept upload and its folder (only inside the import folder)."""
    folder = Path(path).parent
    root = import_dir().resolve()
    if folder.resolve().parent == root:
        shutil.rmtree(folder, ignore_errors=True)
