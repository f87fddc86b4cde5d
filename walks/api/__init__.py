"""The REST API of the field app: safety walks, findings, audits, photos and resident pins."""

from walks.api import schema  # noqa: F401  (registers the OpenAPI schema extensions)
