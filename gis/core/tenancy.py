"""Which municipalities a signed-in user works for: the tenant boundary of every staff view.

Staff are members of municipalities (`Municipality.staff`); superusers work for all of them.
Staff views narrow their querysets with :func:`scope`, so another municipality's objects never
appear in lists and answer 404 when asked for by id; the rows offered in a choice (a select, a
list filter) come from :func:`choices`, which scopes any model, people included.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model, QuerySet

from gis.core.models import Municipality

_CACHE_ATTRIBUTE = "_trygg_municipality_ids"
_MEMBERSHIPS_ATTRIBUTE = "_trygg_memberships"
#: The fields of a membership kept by :func:`remember`, in the order of its rows.
_READ = ("id", "code", "name")


def municipality_ids(user) -> frozenset[int] | None:
    """Ids of the municipalities `user` works for; None means every one (superusers).

    Anonymous users work for none. Cached on the user object, which lives for one request.
    """
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    if user.is_superuser:
        return None
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is None:
        cached = frozenset(user.municipalities.values_list("pk", flat=True))
        setattr(user, _CACHE_ATTRIBUTE, cached)
    return cached


def remember(user, memberships: list[tuple[int, str, str]]) -> None:
    """Keep on `user` (for its request) the municipalities it works for, read along with it:
    (id, code, name) in the database's order of names (its collation, as :func:`municipalities`
    orders them). :func:`municipality_ids` and :func:`memberships` then answer without a query
    (see :mod:`gis.core.requestuser`)."""
    rows = tuple(memberships)
    setattr(user, _MEMBERSHIPS_ATTRIBUTE, rows)
    setattr(user, _CACHE_ATTRIBUTE, frozenset(row[0] for row in rows))


def memberships(user) -> list[Municipality] | None:
    """The municipalities `user` works for, by name, as instances holding id, code and name,
    when they were read along with the user (:func:`remember`); None otherwise (superusers,
    users not loaded from a session): then ask :func:`municipalities`."""
    if not getattr(user, "is_authenticated", False) or user.is_superuser:
        return None
    rows = getattr(user, _MEMBERSHIPS_ATTRIBUTE, None)
    if rows is None:
        return None
    db = user._state.db or "default"
    # from_db takes the values in the model's field order.
    names = [f.attname for f in Municipality._meta.concrete_fields if f.attname in _READ]
    return [
        Municipality.from_db(db, names, [dict(zip(_READ, row, strict=True))[n] for n in names])
        for row in rows
    ]


def scope(queryset: QuerySet, user, path: str = "municipality") -> QuerySet:
    """`queryset` narrowed to the rows whose `path` (a municipality relation) is `user`'s."""
    ids = municipality_ids(user)
    if ids is None:
        return queryset
    return queryset.filter(**{f"{path}__in": ids})


def municipalities(user) -> QuerySet[Municipality]:
    """The municipalities `user` works for, by name."""
    return scope(Municipality.objects.order_by("name"), user, path="pk")


def municipality_path(model: type[Model]) -> str | None:
    """How a row of `model` reaches its municipality, as a lookup path: "pk" for a municipality,
    "municipality" for a record with its own, "<relation>__municipality" for a record of such a
    record (a participant of a walk, a photo of a pin); None for shared, municipality-less data
    (categories, groups, permissions)."""
    if model is Municipality:
        return "pk"
    if _has_municipality(model):
        return "municipality"
    for field in model._meta.get_fields():
        if field.many_to_one and field.concrete and _has_municipality(field.related_model):
            return f"{field.name}__municipality"
    return None


def _has_municipality(model) -> bool:
    if model is None:
        return False
    try:
        field = model._meta.get_field("municipality")
    except FieldDoesNotExist:
        return False
    return field.concrete and field.related_model is Municipality


def staff_users(user) -> QuerySet:
    """The people `user` may be shown: staff members of `user`'s municipalities, never a
    superuser; every user when `user` is a superuser."""
    users = get_user_model()._default_manager.order_by("username")
    ids = municipality_ids(user)
    if ids is None:
        return users
    return users.filter(municipalities__in=ids, is_superuser=False).distinct()


def choices(model: type[Model], user) -> QuerySet:
    """The rows of `model` that may be offered to `user` in a select or a list filter: people
    through :func:`staff_users`, municipal records through :func:`scope`, shared data whole."""
    if model is get_user_model():
        return staff_users(user)
    rows = model._default_manager.all()
    path = municipality_path(model)
    return rows if path is None else scope(rows, user, path)
