"""Back office of the presence app."""

from gis.presence import admin_measures  # noqa: F401  (presence measures)
