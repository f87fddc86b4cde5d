"""Which municipalities a signed-in user works for: the tenant boundary of every staff view.

Staff are members of municipalities (`Municipality.staff`); superusers work for all of them.
Staff views narrow their querysets with :func:`scope`, so another municipality's objects never
appear in lists and answer 404 when asked for by id.
"""

from __future__ import annotations

from django.db.models import QuerySet

from layers.models import Municipality

_CACHE_ATTRIBUTE = "_trygg_municipality_ids"


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


def scope(queryset: QuerySet, user, path: str = "municipality") -> QuerySet:
    """`queryset` narrowed to the rows whose `path` (a municipality relation) is `user`'s."""
    ids = municipality_ids(user)
    if ids is None:
        return queryset
    return queryset.filter(**{f"{path}__in": ids})


def municipalities(user) -> QuerySet[Municipality]:
    """The municipalities `user` works for, by name."""
    return scope(Municipality.objects.order_by("name"), user, path="pk")
