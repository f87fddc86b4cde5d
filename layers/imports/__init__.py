"""The pure parts of importing a municipality's own data (no Django): reading a table from a
file (:mod:`.reading`), recognising its columns and values (:mod:`.columns`) and catching the
traps a real file holds (:mod:`.traps`).

The writing part (batches, upsert, undo) lives in :mod:`layers.batches`; the command line is
``trygg import`` and ``trygg imports``.
"""


class ImportFileError(ValueError):
    """A file or an option that cannot be imported; its message is one line for a person."""
