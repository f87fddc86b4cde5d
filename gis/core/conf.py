"""Settings shared across the apps (the field app, the API, every map) with their defaults.

Every value can be set in the Django settings (same name) or, failing that, in the environment
(same name; numbers as digits, rate limits as "N/second|minute|hour|day"). Values are read at
request time, so `override_settings` works in tests.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Photos: bytes accepted per upload, pixels and longest side accepted before decoding,
    # longest side of the stored re-encoded JPEG and of its thumbnail, photos per finding.
    # JPEGs are decoded reduced (libjpeg's 1/2, 1/4, 1/8 draft scales, just covering the stored
    # side), so a 60-megapixel photo decodes to about 4 megapixels. PNG and WebP have no reduced
    # decode: every pixel is decoded, so they get the much lower cap of
    # TRYGG_PHOTO_MAX_PIXELS_FULL_DECODE (16 megapixels: a 12-megapixel phone photo or any
    # phone's screenshot; about 64 MB decoded).
    "TRYGG_PHOTO_MAX_BYTES": 10 * 1024 * 1024,
    "TRYGG_PHOTO_MAX_PIXELS": 60_000_000,
    "TRYGG_PHOTO_MAX_PIXELS_FULL_DECODE": 16_000_000,
    "TRYGG_PHOTO_MAX_SIDE": 12_000,
    "TRYGG_PHOTO_STORED_SIDE": 2048,
    "TRYGG_PHOTO_THUMB_SIDE": 320,
    "TRYGG_PHOTOS_PER_FINDING": 10,
    # Personal data (contact details, photos, participants' names and device tokens, free text
    # of pins, findings and audits) is kept this many days; see walks.retention.
    "TRYGG_PERSONAL_DATA_RETENTION_DAYS": 365,
    # Entries of the log of who saw residents' contact details are kept this many days.
    "TRYGG_CONTACT_ACCESS_RETENTION_DAYS": 730,
    # Optional XYZ basemap for every map (field app, dashboard, back office), e.g.
    # "https://tile.example.org/{z}/{x}/{y}.png"; the CSP then allows its origin. Empty: Trygg's
    # own basemap from the loaded OpenStreetMap extract (layers.basemap, /basemap/style.json).
    "TRYGG_BASEMAP_URL": "",
    "TRYGG_BASEMAP_ATTRIBUTION": "",
    # Where people report accessibility problems, shown in the accessibility statement
    # (/tillganglighet/): an e-mail address or a web address. Empty: the statement points to the
    # municipality's customer service in general words.
    "TRYGG_ACCESSIBILITY_CONTACT": "",
    # Streets within this distance of a walk's route are sent (and cached) with the walk, metres.
    "TRYGG_WALK_STREETS_BUFFER_M": 300,
    # Reports and incidents on a municipal property or within this distance of it (metres) are
    # routed to the property's department (layers.properties, walks.routing).
    "TRYGG_PROPERTY_ROUTING_M": 25.0,
    # At most this many street segments in one street-network response.
    "TRYGG_STREETS_MAX": 6000,
    # Request caps of the public API (gis.core.api.limits): bytes of a JSON or form body, nesting
    # depth of a JSON body, files per request. A multipart body may hold one photo
    # (TRYGG_PHOTO_MAX_BYTES) plus 256 kB of fields.
    "TRYGG_API_BODY_MAX_BYTES": 256 * 1024,
    "TRYGG_API_JSON_MAX_DEPTH": 20,
    "TRYGG_UPLOAD_MAX_FILES": 1,
    # Bytes of one request to the partner API (layers.partner_api): up to 1,000 GeoJSON
    # incidents with descriptions of up to 2,000 characters.
    "TRYGG_PARTNER_BODY_MAX_BYTES": 4 * 1024 * 1024,
    # Nesting depth of route files and drawn routes (GeoJSON arrays and objects, GPX elements):
    # a GeoJSON FeatureCollection of MultiLineStrings nests 7 levels, a GPX with extensions 7.
    "TRYGG_ROUTE_MAX_DEPTH": 32,
    # Proxies in front of Trygg whose X-Forwarded-For is believed (gis.core.throttles): 0 counts
    # clients by the peer address; behind one TLS-terminating proxy set 1.
    "TRYGG_TRUSTED_PROXIES": 0,
    # Files uploaded to the import page (/import/): bytes accepted per file, and the private
    # folder they are kept in until imported (empty: var/imports).
    "TRYGG_IMPORT_MAX_BYTES": 50 * 1024 * 1024,
    "TRYGG_IMPORT_DIR": "",
    # The address residents and staff reach Trygg at, for links in e-mail (gis.notices):
    # tracking links, unsubscribe links, the back office.
    "TRYGG_PUBLIC_URL": "http://127.0.0.1:8000",
    # E-mail that could not be sent is retried after TRYGG_NOTICE_RETRY_SECONDS, doubling each
    # time, and marked failed after TRYGG_NOTICE_MAX_ATTEMPTS attempts.
    "TRYGG_NOTICE_RETRY_SECONDS": 300,
    "TRYGG_NOTICE_MAX_ATTEMPTS": 8,
}

# Per-client rate limits ("N/period"); `_ip` is keyed by address, `_device` by device token.
# Each scope counts either reads (GET) or writes (POST, PATCH, DELETE); docs/security.md lists
# which endpoints use which ("Abuse and bad input").
RATE_DEFAULTS: dict[str, str] = {
    # API reads and writes of endpoints without a scope of their own.
    "read_ip": "600/minute",
    "write_ip": "120/minute",
    # Resident reports, supporting votes, Open311 reports and a photo's position.
    "pin_ip": "60/hour",
    "pin_device": "10/hour",
    "vote_ip": "300/hour",
    "vote_device": "60/hour",
    "open311_ip": "60/hour",
    "open311_device": "10/hour",
    "photo_location_ip": "120/hour",
    # Answers to a digital walk (gis.campaigns) and their photos.
    "campaign_ip": "120/hour",
    "campaign_device": "30/hour",
    # Uploads of a walk's phones; a group shares one network (20 phones back online at once).
    "walk_device": "240/minute",
    "walk_ip": "1200/minute",
    # Reads of a report by its tracking token (page, API and Open311 together).
    "track_ip": "60/minute",
    # Pages and plain views (gis.ratelimit).
    "page_ip": "300/minute",
    "login_ip": "20/minute",
    "health_ip": "120/minute",
    "schema_ip": "20/minute",
    "csp_report_ip": "120/minute",
    # The public basemap's vector tiles (layers.views.tile), a few dozen per map view.
    "basemap_ip": "1200/minute",
}


def setting(name: str) -> Any:
    """The value of a shared setting: Django settings, then environment, then default."""
    if hasattr(settings, name):
        return getattr(settings, name)
    default = DEFAULTS[name]
    raw = os.environ.get(name)
    if raw is None:
        return default
    return type(default)(raw) if not isinstance(default, str) else raw


def rate(scope: str) -> str | None:
    """The rate limit of a throttle scope; `None` or "" turns it off."""
    configured = getattr(settings, "TRYGG_RATE_LIMITS", {}) or {}
    if scope in configured:
        return configured[scope]
    env = os.environ.get(f"TRYGG_RATE_LIMIT_{scope.upper()}")
    if env is not None:
        return env
    return RATE_DEFAULTS[scope]
