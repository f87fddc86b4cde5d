"""How Trygg's schema would be distributed with Citus, derived from the models.

`municipality_id` is the distribution column. Every model of Trygg's own apps is one of

- **distributed**: its table has the `municipality_id` column (a `MunicipalRecord`, a fix, a
  hot-spot run, ...);
- **co-located**: no column of its own, but a foreign key chain to a distributed table (a pin's
  photo, a walk's participant): under Citus it gains a `municipality_id` column, filled from its
  parent, and is distributed by it;
- **reference**: small, shared by every municipality, copied to every node (``REFERENCE``).

Tables of Django and third-party apps are reference tables when a Trygg table refers to them
(users, groups, content types: foreign keys from distributed tables to reference tables are
allowed), else they stay local to the coordinator (sessions, the admin log).

Under Citus a unique constraint (the primary key too) of a distributed table must include the
distribution column, and so must a foreign key between two distributed tables:
:func:`must_include_municipality` lists them. docs/scaling.md holds the tables that
:func:`classification_table` and :func:`constraints_table` print; tests/project/
test_distribution.py checks that they match and that no model is left unclassified.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Trygg's own apps (their models are classified; the others follow their use).
TRYGG_APPS = {
    "core",
    "layers",
    "walks",
    "campaigns",
    "riskcalendar",
    "hotspots",
    "fixes",
    "notices",
    "presence",
    "walkplan",
    "dashboard",
    "jobs",
}
#: Trygg tables copied to every node: the tenant list and its staff, shared vocabularies, and
#: requests that are about a person rather than a municipality.
REFERENCE = {
    "layers_municipality": "the tenants themselves; every distributed table refers to it",
    "layers_municipality_staff": "who works where: read on every request to scope it",
    "walks_category": "the categories every municipality shares",
    "notices_personaldatarequest": "a person's export or erasure, across municipalities",
}


@dataclass(frozen=True)
class Placement:
    table: str
    model: str
    kind: str  # distributed / co-located / reference / local
    path: str  # how it reaches the municipality, or why it is a reference table


class UnclassifiedError(AssertionError):
    """A Trygg model with neither a municipality path nor a place in REFERENCE."""


def _models():
    from django.apps import apps

    return apps.get_models(include_auto_created=True)


def _has_column(model) -> bool:
    return any(f.column == "municipality_id" for f in model._meta.concrete_fields)


def _own(model) -> bool:
    return model._meta.app_label in TRYGG_APPS


def placements() -> list[Placement]:
    """Every table's placement, ordered by kind and table."""
    models = list(_models())
    by_table = {m._meta.db_table: m for m in models}
    kinds: dict[str, tuple[str, str]] = {}
    for table, model in by_table.items():
        if table in REFERENCE:
            kinds[table] = ("reference", REFERENCE[table])
        elif _own(model) and _has_column(model):
            kinds[table] = ("distributed", "municipality_id")
    # Co-located: a foreign key chain to a distributed table (parents first, to a fixpoint).
    changed = True
    while changed:
        changed = False
        for table, model in by_table.items():
            if table in kinds or not _own(model):
                continue
            for field in model._meta.concrete_fields:
                target = field.related_model
                if not field.is_relation or target is None:
                    continue
                parent = kinds.get(target._meta.db_table)
                if field.null or parent is None or parent[0] not in ("distributed", "co-located"):
                    continue
                kinds[table] = ("co-located", f"{field.column} -> {target._meta.db_table}")
                changed = True
                break
    unclassified = sorted(t for t, m in by_table.items() if _own(m) and t not in kinds)
    if unclassified:
        raise UnclassifiedError(
            "models without a municipality path and not in REFERENCE (tests/project/"
            f"distribution.py): {', '.join(unclassified)}"
        )
    # Other apps: reference when a Trygg table refers to them, else local to the coordinator.
    referred = {
        field.related_model._meta.db_table
        for m in models
        if _own(m)
        for field in m._meta.concrete_fields
        if field.is_relation and field.related_model is not None
    }
    pending = [t for t in by_table if t not in kinds]
    # What a reference table refers to is a reference table too (auth_permission's type).
    while pending:
        progress = False
        for table in list(pending):
            if table in referred:
                kinds[table] = ("reference", "referred to by Trygg tables")
                pending.remove(table)
                progress = True
                for field in by_table[table]._meta.concrete_fields:
                    if field.is_relation and field.related_model is not None:
                        referred.add(field.related_model._meta.db_table)
        if not progress:
            break
    for table in pending:
        kinds[table] = ("local", "coordinator only")
    order = {"distributed": 0, "co-located": 1, "reference": 2, "local": 3}
    out = [
        Placement(table, by_table[table]._meta.label, kind, path)
        for table, (kind, path) in kinds.items()
    ]
    return sorted(out, key=lambda p: (order[p.kind], p.table))


def must_include_municipality() -> list[tuple[str, str, str]]:
    """(table, constraint, what) of the unique constraints and foreign keys of distributed and
    co-located tables that do not include `municipality_id` (primary keys aside: every one
    becomes (municipality_id, id))."""
    kinds = {p.table: p.kind for p in placements()}
    spread = {"distributed", "co-located"}
    out = []
    for model in _models():
        table = model._meta.db_table
        if kinds.get(table) not in spread:
            continue
        for field in model._meta.concrete_fields:
            if field.unique and not field.primary_key and field.column != "municipality_id":
                out.append((table, f"unique ({field.column})", "unique"))
            target = field.related_model
            if (
                field.is_relation
                and target is not None
                and kinds.get(target._meta.db_table) in spread
                and field.column != "municipality_id"
            ):
                out.append((table, f"{field.column} -> {target._meta.db_table}", "foreign key"))
        for constraint in model._meta.constraints:
            fields = getattr(constraint, "fields", ())
            if fields and "municipality" not in fields:
                columns = ", ".join(model._meta.get_field(f).column for f in fields)
                out.append((table, f"{constraint.name} ({columns})", "unique"))
    return sorted(set(out))


def classification_table() -> str:
    """The Markdown table of docs/scaling.md: every table and its placement."""
    lines = ["| table | model | placement | municipality path / why |", "|---|---|---|---|"]
    lines += [f"| `{p.table}` | {p.model} | {p.kind} | {p.path} |" for p in placements()]
    return "\n".join(lines)


def constraints_table() -> str:
    """The Markdown table of docs/scaling.md: what must gain the municipality under Citus."""
    lines = ["| table | constraint | kind |", "|---|---|---|"]
    lines += [f"| `{t}` | `{c}` | {k} |" for t, c, k in must_include_municipality()]
    return "\n".join(lines)
