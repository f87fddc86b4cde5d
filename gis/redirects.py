"""Where a `next` parameter may send a visitor after logging in or out.

A target is followed only when it stays on this site (`url_has_allowed_host_and_scheme`: no
other host, no `//host` or `javascript:`, HTTPS kept) and does not lead back to a login or logout
page in any language: a signed-in user sent to the login page would be sent on to the target
again, a redirect loop (Django answers that with a 500). Any other target falls back to the
view's default (the dashboard map after logging in, the login page after logging out).
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.http import HttpRequest
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme

AUTH_PAGES = frozenset({"login", "logout", "admin:login", "admin:logout"})


def _route(path: str) -> str | None:
    language = translation.get_language_from_path(path) or settings.LANGUAGE_CODE
    with translation.override(language):
        try:
            return resolve(path).view_name
        except Resolver404:
            return None


def leads_to_auth_page(target: str) -> bool:
    """Whether `target` (a URL or path on this site) is a login or logout page."""
    path = unquote(urlsplit(target).path) or "/"
    if not path.startswith("/"):
        return True  # a relative path: not a target we make; never follow it
    candidates = [path] if path.endswith("/") else [path, path + "/"]
    return any(_route(candidate) in AUTH_PAGES for candidate in candidates)


def safe_next(request: HttpRequest, target: str | None) -> str:
    """`target` when it is safe to redirect to after logging in or out, else ""."""
    if not target:
        return ""
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    if not allowed or leads_to_auth_page(target):
        return ""
    return target
