"""The tile cache's file backend: Django's file cache, its values stored uncompressed.

Django's :class:`~django.core.cache.backends.filebased.FileBasedCache` zlib-compresses every
value; for a zoomed-in report tile of 150 KB that cost about 9 ms, a third of the tile's own SQL,
for a file that is read far more often than it is written. Vector tiles are protobuf with
delta-coded geometry: compression is the HTTP layer's business, not the store's.

Django's file cache also counts its files before every write, to cull when there are more than
``MAX_ENTRIES``: a listing of the whole directory, 35 ms a write with 19,600 tiles kept
(``bench/bench_tiles.py``), on every tile made. Here a process counts only on one write in
:data:`COUNT_EVERY`, so the directory may pass ``MAX_ENTRIES`` by at most that many tiles a
worker before Django's cull deletes a random share of them (one in ``CULL_FREQUENCY``).
Everything else (file names, expiry, culling, clearing) is Django's.
"""

from __future__ import annotations

import pickle

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache
from django.core.files import locks

#: A process counts the cache's files on one write in this many (the first write included).
COUNT_EVERY = 100


class TileFileCache(FileBasedCache):
    """A file cache whose values are pickled without compression, its files counted for culling
    on one write in :data:`COUNT_EVERY`."""

    def __init__(self, dir, params):
        super().__init__(dir, params)
        self._writes_until_count = 0

    def _cull(self) -> None:
        if self._writes_until_count > 0:
            self._writes_until_count -= 1
            return
        self._writes_until_count = COUNT_EVERY - 1
        super()._cull()

    def get(self, key, default=None, version=None):
        try:
            with open(self._key_to_file(key, version), "rb") as f:
                if not self._is_expired(f):
                    return pickle.loads(f.read())
        except FileNotFoundError:
            pass
        return default

    def _write_content(self, file, timeout, value) -> None:
        file.write(pickle.dumps(self.get_backend_timeout(timeout), self.pickle_protocol))
        file.write(pickle.dumps(value, self.pickle_protocol))

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        try:
            with open(self._key_to_file(key, version), "r+b") as f:
                locks.lock(f, locks.LOCK_EX)
                try:
                    if self._is_expired(f):
                        return False
                    value = pickle.loads(f.read())
                    f.seek(0)
                    self._write_content(f, timeout, value)
                    return True
                finally:
                    locks.unlock(f)
        except FileNotFoundError:
            return False
