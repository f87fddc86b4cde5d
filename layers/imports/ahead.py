"""Reading ahead: the next chunk of a file is read and checked in a thread while the database
writes the last one.

An import alternates between Python work (reading, converting, checking a chunk) and waiting
for PostgreSQL (copying and inserting it). GDAL, numpy and shapely release the GIL and the
database works in its own process, so running the two side by side shortens the import. At
most `depth` finished chunks wait in the queue, so memory stays bounded by the chunk size.
Pure: the standard library only.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")
_END = object()


def read_ahead(produce: Iterator[T], depth: int = 1) -> Iterator[T]:
    """The items of `produce`, made in a worker thread up to `depth` items ahead of the
    consumer. An exception in the worker is raised here, at the item where it happened; when
    the consumer stops early (or fails), the worker stops at its next item."""
    handoff: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(entry: tuple) -> bool:
        while not stop.is_set():
            try:
                handoff.put(entry, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for item in produce:
                if not put((item, None)):
                    return
            put((_END, None))
        except BaseException as error:  # handed to the consumer, which raises it
            put((_END, error))

    worker = threading.Thread(target=work, name="import-read-ahead", daemon=True)
    worker.start()
    try:
        while True:
            item, error = handoff.get()
            if error is not None:
                raise error
            if item is _END:
                return
            yield item
    finally:
        stop.set()
        worker.join()
