"""The one gate of the staff pages: who is not signed in goes to the login page, who is
signed in without the right to see the page gets 403.

Each app passes its own test of that right (``can_view``); the gate is the same everywhere, so
a page never answers 403 where it should ask for a login, or the other way round.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied


def signed_in_with(can_view: Callable) -> Callable:
    """A page decorator: anonymous → the login page (and back here after it); a signed-in user
    for whom ``can_view(user)`` is false → 403 (PermissionDenied)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not can_view(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
