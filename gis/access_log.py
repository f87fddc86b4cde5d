"""The web server's access log without secrets: tokens in paths and query strings are redacted.

Some URLs are secrets: a report's tracking link (`/rapportera/folj/<token>/` and its API and
Open311 twins), a walk's join code (`/w/<code>`, `/api/walks/<code>/...`, the leaders' pages)
and photo links with `?token=`. Gunicorn's access log would write them in full, in the request
line, the path, the query string and the Referer (a page opened from a tracking link sends its
URL as the Referer of its scripts and API calls). `redact_url` replaces them with `[redacted]`:

* in the path, every URL parameter named in `SECRET_PARAMETERS` of every URL pattern that the
  path matches, in either language, also without its trailing slash (Django then redirects);
* in the query string, the values of `SECRET_QUERY_KEYS`.

`RedactingLogger` is gunicorn's logger with the access-log atoms passed through it: the request
line, path, query string and Referer, a redirect's Location and the same values of the WSGI
environment; the headers that carry a device token, a cookie or credentials are blanked.
`RedactUrlsFilter` does the same for the paths in Django's own log records ("Not Found: …" of
django.request), on the console handler of `LOGGING`. `gis/gunicorn_conf.py`
installs it. It works out the URL patterns from the project's URL configuration when Django is
set up (in gunicorn's workers, once the application is loaded).
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from gunicorn.glogging import Logger

REDACTED = "[redacted]"
SECRET_PARAMETERS = frozenset({"token", "code"})
SECRET_QUERY_KEYS = frozenset({"token", "code", "device_token", "api_key"})
# Gunicorn's atoms: "r" the request line, "U" the path, "q" the query string, "f" the Referer,
# "{name}i" request headers, "{name}o" response headers, "{name}e" the WSGI environment.
URL_ATOMS = frozenset(
    {"U", "f", "{referer}i", "{location}o"}
    | {f"{{{name}}}e" for name in ("raw_uri", "path_info", "request_uri", "http_referer")}
)
QUERY_ATOMS = frozenset({"q", "{query_string}e"})
SECRET_ATOMS = frozenset(
    {"{set-cookie}o"}
    | {f"{{{name}}}i" for name in ("x-trygg-device", "cookie", "authorization", "x-csrftoken")}
    | {f"{{http_{name}}}e" for name in ("x_trygg_device", "cookie", "authorization", "x_csrftoken")}
)


def _patterns(resolver, prefix: str = ""):
    from django.urls import URLResolver

    for entry in resolver.url_patterns:
        regex = prefix + re.sub(r"(\\Z|\$)$", "", entry.pattern.regex.pattern.lstrip("^"))
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, regex)
        else:
            yield regex


@lru_cache(maxsize=1)
def secret_patterns() -> tuple[re.Pattern, ...]:
    """The full-path regexes (both languages) of the URL patterns with a secret parameter."""
    from django.conf import settings
    from django.urls import get_resolver
    from django.utils import translation

    found: dict[str, re.Pattern] = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for regex in _patterns(get_resolver()):
                compiled = re.compile(regex)
                if SECRET_PARAMETERS & set(compiled.groupindex):
                    found.setdefault(regex, compiled)
    return tuple(found.values())


def _django_ready() -> bool:
    try:
        from django.apps import apps
        from django.conf import settings

        return settings.configured and apps.ready
    except Exception:  # logging must never fail a request
        return False


def redact_path(path: str) -> str:
    """`path` with the secret URL parameters of the pattern it matches replaced."""
    if not _django_ready():
        return path
    decoded = unquote(path)
    relative = decoded.lstrip("/")
    for candidate in (relative, relative + "/"):
        for pattern in secret_patterns():
            match = pattern.fullmatch(candidate)
            if match is None:
                continue
            spans = sorted(
                match.span(name) for name in SECRET_PARAMETERS if name in pattern.groupindex
            )
            out, at = [], 0
            for start, end in spans:
                if start < 0:
                    continue
                out += [relative[at:start], REDACTED]
                at = end
            out.append(relative[at:])
            return "/" * (len(decoded) - len(relative)) + "".join(out)
    return path


def redact_query(query: str) -> str:
    """A query string with the values of secret keys replaced."""
    if not query:
        return query
    pairs = parse_qsl(query, keep_blank_values=True)
    if not any(key.lower() in SECRET_QUERY_KEYS for key, _value in pairs):
        return query
    redacted = [(k, REDACTED if k.lower() in SECRET_QUERY_KEYS else v) for k, v in pairs]
    return urlencode(redacted, safe="[]/")


def redact_url(url: str) -> str:
    """A URL or path (with its query string) without the secrets it carries."""
    if not url or url == "-":
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return REDACTED
    return urlunsplit(parts._replace(path=redact_path(parts.path), query=redact_query(parts.query)))


def redact_request_line(line: str) -> str:
    """`METHOD URI PROTOCOL` with the URI redacted."""
    method, _sep, rest = line.partition(" ")
    uri, _sep, protocol = rest.rpartition(" ")
    if not uri:
        return f"{method} {redact_url(rest)}"
    return f"{method} {redact_url(uri)} {protocol}"


class RedactingLogger(Logger):
    """Gunicorn's logger, its access-log atoms without tokens and join codes."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for name, value in atoms.items():
            if not isinstance(value, str) or not value:
                continue
            if name in SECRET_ATOMS:
                atoms[name] = REDACTED
                continue
            try:
                if name == "r":
                    atoms[name] = redact_request_line(value)
                elif name in URL_ATOMS:
                    atoms[name] = redact_url(value)
                elif name in QUERY_ATOMS:
                    atoms[name] = redact_query(value)
            except Exception:  # never log a value that could not be checked, never fail
                atoms[name] = REDACTED
        return atoms


class RedactUrlsFilter(logging.Filter):
    """For Django's own log (e.g. "Not Found: /rapportera/folj/<token>/" from django.request):
    the arguments of a record that are paths or URLs are redacted like the access log's."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and any(_is_url(arg) for arg in args):
            try:
                record.args = tuple(redact_url(a) if _is_url(a) else a for a in args)
            except Exception:  # never fail logging; hide what could not be checked
                record.args = tuple(REDACTED if _is_url(a) else a for a in args)
        return True


def _is_url(value) -> bool:
    return isinstance(value, str) and value.startswith(("/", "http://", "https://"))
