"""A per-account limit of failed logins, on top of the per-address one (gis.ratelimit).

An attacker rotating addresses is still held by the account: after `TRYGG_LOGIN_ACCOUNT_FAILURES`
(10) failed logins for one username within `TRYGG_LOGIN_ACCOUNT_WINDOW` seconds (15 minutes),
every login to that username is refused until the window (counted from its first failure)
has passed, whatever the password. Only failures count; the limit expires by itself, nothing is
stored in the database (no lockout state), so the real user logs in again after at most the
window. Refused attempts neither count nor check the password, so they reveal nothing about it.

The counter lives in Django's cache under a keyed hash of the lower-cased username (no username
in the cache). `LoginLimitBackend` applies it to every login form (the staff login and the
admin's) through Django's authentication; the refused request carries `LOGIN_LIMITED` and is
answered 429 with Retry-After by gis.ratelimit, the form showing the usual login error.

The backend also reads a session's user together with its permissions and memberships, in one
query (:mod:`gis.core.requestuser`).
"""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.utils.crypto import salted_hmac

from gis.core.requestuser import load_user

LOGIN_LIMITED = "trygg_login_retry_after"
DEFAULT_FAILURES = 10
DEFAULT_WINDOW = 15 * 60


def now() -> float:
    """The clock of the windows (tests move it)."""
    return time.time()


def _limits() -> tuple[int, int]:
    failures = int(getattr(settings, "TRYGG_LOGIN_ACCOUNT_FAILURES", DEFAULT_FAILURES))
    window = int(getattr(settings, "TRYGG_LOGIN_ACCOUNT_WINDOW", DEFAULT_WINDOW))
    return failures, window


def _key(username: str) -> str:
    digest = salted_hmac("trygg.login-account", username.strip().casefold()).hexdigest()
    return f"trygg:login-failures:{digest}"


def _window(username: str) -> tuple[float, int] | None:
    """(start, failures) of the username's current window, or None when it has none."""
    value = cache.get(_key(username))
    _failures, window = _limits()
    if not value or now() - value[0] >= window:
        return None
    return value


def retry_after(username: str) -> int | None:
    """Seconds until this username may try again, or None when it is not limited."""
    failures, window = _limits()
    current = _window(username)
    if failures <= 0 or current is None or current[1] < failures:
        return None
    return max(1, math.ceil(current[0] + window - now()))


def record_failure(username: str) -> None:
    """Count one failed login of this username in its window (a new window if none)."""
    _failures, window = _limits()
    start, count = _window(username) or (now(), 0)
    remaining = max(1, math.ceil(start + window - now()))
    cache.set(_key(username), (start, count + 1), remaining)


class LoginLimitBackend(ModelBackend):
    """Django's model backend with the per-account limit: a limited username is refused before
    its password is checked (PermissionDenied ends authentication: the form shows its usual
    error), and each failure is counted."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None:
            return None
        wait = retry_after(str(username))
        if wait is not None:
            if request is not None:
                setattr(request, LOGIN_LIMITED, wait)
            raise PermissionDenied("too many failed logins for this account")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            record_failure(str(username))
        return user

    def get_user(self, user_id):
        """The session's user with its permissions and memberships in the same query
        (gis.core.requestuser): a staff request's checks then ask the database nothing more."""
        user = load_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
