"""The signed-in user of a request in one query: the user row with its permissions and the
municipalities it works for.

Django's session authentication reads the user (``backend.get_user``), then its first
permission check reads the user's and the groups' permissions (two queries), and the tenancy
check reads its memberships (one more). Every staff request makes those checks, the map's
tiles dozens of times a second. :func:`load_user` reads all of it in the user's own query (array
subqueries) and keeps it on the user object the way Django and :mod:`gis.core.tenancy` cache
it for the request (``_user_perm_cache``, ``_group_perm_cache``; the memberships), so the checks
that follow ask nothing more. Nothing outlives the request: the next one reads again, so a role
or membership taken away counts at once.

The query is built and compiled once per process (:func:`user_query`): building its three array
subqueries through the ORM cost more than running them (about 3 ms against 1.5 ms a request).

Superusers are read as before: they have every permission and work for every municipality, so
there is nothing to prime.
"""

from __future__ import annotations

import functools
import json

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import CharField, F, OuterRef, Value
from django.db.models.functions import Concat, JSONObject

from gis.core import tenancy
from gis.core.models import Municipality


def _permissions(**lookup) -> ArraySubquery:
    """The "app_label.codename" strings of the permissions matching `lookup` (OuterRef)."""
    names = Concat(
        F("content_type__app_label"), Value("."), F("codename"), output_field=CharField()
    )
    return ArraySubquery(Permission.objects.filter(**lookup).order_by().values(perm=names))


def users_with_access():
    """Users, each with its own and its groups' permissions and its memberships alongside."""
    memberships = (
        Municipality.objects.filter(staff=OuterRef("pk"))
        .order_by("name", "id")  # by name in the database's collation, as tenancy lists them
        .values(row=JSONObject(id="id", code="code", name="name"))
    )
    return get_user_model()._default_manager.annotate(
        trygg_user_perms=_permissions(user=OuterRef("pk")),
        trygg_group_perms=_permissions(group__user=OuterRef("pk")),
        trygg_memberships=ArraySubquery(memberships),
    )


def prime(user) -> None:
    """Move what :func:`users_with_access` read into the caches of the request's checks."""
    user_perms = user.__dict__.pop("trygg_user_perms", None)
    group_perms = user.__dict__.pop("trygg_group_perms", None)
    rows = user.__dict__.pop("trygg_memberships", None)
    if user.is_superuser or user_perms is None or group_perms is None or rows is None:
        return
    # The caches django.contrib.auth.backends.ModelBackend fills on the first check.
    user._user_perm_cache = set(user_perms)
    user._group_perm_cache = set(group_perms)
    tenancy.remember(user, [(row["id"], row["code"], row["name"]) for row in rows])


#: A stand-in user id (in the column's range, or the ORM compiles nothing), replaced by the real
#: one in the compiled query's parameters.
_ANY_ID = 2_039_104_581


@functools.cache
def user_query() -> tuple[str, tuple, int]:
    """The SQL of :func:`users_with_access` for one user id, its parameters, and the index of
    the id among them: compiled once, each request binds its own id."""
    sql, params = users_with_access().filter(pk=_ANY_ID).query.sql_with_params()
    (index,) = [i for i, value in enumerate(params) if value == _ANY_ID]
    return sql, tuple(params), index


def load_user(user_id):
    """The user with this id and its access read alongside (one query), or None."""
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        return None
    sql, params, index = user_query()
    bound = list(params)
    bound[index] = user_id
    user = next(iter(get_user_model()._default_manager.raw(sql, bound)), None)
    if user is not None:
        # A raw query leaves the memberships' JSON objects as the text the database sent.
        rows = user.__dict__.get("trygg_memberships")
        if rows is not None:
            user.trygg_memberships = [json.loads(row) for row in rows]
        prime(user)
    return user
