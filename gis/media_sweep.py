"""Sweep of orphan photo files: files under the photo folders of MEDIA_ROOT that no record names.

A photo upload writes the image and its thumbnail to storage before the transaction that stores
its row commits; when the process is killed in between (a crash, a SIGKILL of the web server),
the files stay on disk with no record, are never served (gis.media serves only files a record
names) and would be kept for ever, also past the retention period. This module finds them:

* the files on disk are the backup's list (`gis.backup.media_files`: regular files, no
  symlinks, the backup folder left out), restricted to the folders of the photo fields
  (``ImageField.upload_to``'s first part: ``findings/``, ``pins/``);
* the files that belong to records are `gis.media.referenced_files()`: every name a file field
  of any model holds (the same rule that decides whether a file is served);
* a file is swept only when its modification time is older than the grace period (default one
  hour), so an upload in flight, whose row is not committed yet, is never touched.

Idempotent: a second run finds nothing. `trygg sweep_photos` (or `trygg sweep-photos`) runs it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import models

from gis.backup import media_files
from gis.media import file_fields, referenced_files

log = logging.getLogger(__name__)

#: Seconds a photo file without a record is left alone: longer than any upload takes.
DEFAULT_GRACE_S = 3600


@dataclass
class SweepResult:
    """What a sweep found: orphan files (relative to MEDIA_ROOT) removed (or, in a dry run, to
    remove) with their bytes, and orphans left because they are younger than the grace period."""

    removed: list[str] = field(default_factory=list)
    bytes: int = 0
    too_young: int = 0


def photo_folders() -> list[str]:
    """The top folders (under MEDIA_ROOT) the image fields upload to, e.g. ["findings", "pins"]."""
    folders = set()
    for model, name in file_fields():
        model_field = model._meta.get_field(name)
        if isinstance(model_field, models.ImageField) and isinstance(model_field.upload_to, str):
            folders.add(model_field.upload_to.strip("/").split("/")[0])
    return sorted(folders)


def sweep_orphan_photos(
    *, grace_s: float = DEFAULT_GRACE_S, dry_run: bool = False, now: float | None = None
) -> SweepResult:
    """Delete (unless `dry_run`) photo files no record names, older than `grace_s` seconds."""
    media = Path(settings.MEDIA_ROOT)
    now = time.time() if now is None else now
    backups = Path(settings.VAR_DIR) / "backups"  # `trygg backup`'s default folder
    result = SweepResult()
    referenced = referenced_files()
    for folder in photo_folders():
        for path in media_files(media / folder, exclude=backups):
            name = path.relative_to(media).as_posix()
            if name in referenced:
                continue
            stat = path.stat()
            if now - stat.st_mtime < grace_s:
                result.too_young += 1
                continue
            if not dry_run:
                path.unlink(missing_ok=True)
                log.info("swept orphan photo file %s (%d bytes)", name, stat.st_size)
            result.removed.append(name)
            result.bytes += stat.st_size
    return result
