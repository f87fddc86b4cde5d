"""The migrations of the background tasks' table (the django-tasks database backend's model),
made here from its current model (see ``MIGRATION_MODULES`` in gis.settings.base)."""
