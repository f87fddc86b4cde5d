"""Modules imported on first use, so that booting the web server does not load the analysis
libraries (geopandas, pandas, scipy, rasterio, …) that only some requests need.

A web worker that imports them all at boot takes seconds before its first answer; with
`np = lazy_module("numpy")` in place of `import numpy as np`, numpy is imported when the first
attribute is read (`np.asarray`), the same module object from then on. Pure Python, no Django:
the analysis and prioritisation engines use it too (pyproject.toml's import contracts allow
exactly this module). `tests/core/test_lazy_boot.py` checks that the WSGI application boots
without the heavy libraries.
"""

from __future__ import annotations

import importlib
from typing import Any


class LazyModule:
    """A stand-in for module `name` (or for its attribute `attribute`) that imports it when
    first used: attribute access, a call, `isinstance`'s class checks go to the real object."""

    __slots__ = ("_attribute", "_name", "_target")

    def __init__(self, name: str, attribute: str | None = None) -> None:
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_attribute", attribute)
        object.__setattr__(self, "_target", None)

    def _load(self) -> Any:
        target = object.__getattribute__(self, "_target")
        if target is None:
            target = importlib.import_module(object.__getattribute__(self, "_name"))
            attribute = object.__getattribute__(self, "_attribute")
            if attribute is not None:
                target = getattr(target, attribute)
            object.__setattr__(self, "_target", target)
        return target

    def __getattr__(self, item: str) -> Any:
        return getattr(self._load(), item)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._load()(*args, **kwargs)

    def __instancecheck__(self, instance: Any) -> bool:
        return isinstance(instance, self._load())

    def __repr__(self) -> str:
        name = object.__getattribute__(self, "_name")
        attribute = object.__getattribute__(self, "_attribute")
        return f"<lazy {name}{'.' + attribute if attribute else ''}>"


def lazy_module(name: str) -> Any:
    """Module `name` (dotted names too: "scipy.sparse"), imported on first use."""
    return LazyModule(name)


def lazy_attribute(module: str, attribute: str) -> Any:
    """`from module import attribute`, done on first use (a call or an attribute access)."""
    return LazyModule(module, attribute)
