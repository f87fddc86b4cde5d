"""Moving a model from one app to another without touching its data.

A moved model keeps its table (`Meta.db_table`); its migrations only change Django's state. What
does live in the database under the app's label is the model's content type, and through its id
the permissions granted to groups and users and the back office's log entries: re-labelling the
content type in place keeps all of them.
"""

from __future__ import annotations

from django.db import migrations


def relabel_content_types(*moves: tuple[str, str, str]) -> migrations.RunPython:
    """A migration operation that re-labels the content types of moved models, both ways.

    Each move is `(old app label, new app label, model name)`, e.g.
    `("trygg", "fixes", "fix")`. A content type under the new label that exists already (made by
    a `migrate` that ran before this one) is dropped first, so the old one, which permissions
    and log entries point at, is the one kept.
    """

    def forward(apps, schema_editor) -> None:
        _relabel(apps, schema_editor.connection.alias, moves)

    def backward(apps, schema_editor) -> None:
        _relabel(apps, schema_editor.connection.alias, [(new, old, m) for old, new, m in moves])

    return migrations.RunPython(forward, backward)


def _relabel(apps, alias: str, moves) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    objects = content_type.objects.using(alias)
    for old, new, model in moves:
        if not objects.filter(app_label=old, model=model).exists():
            continue
        objects.filter(app_label=new, model=model).delete()
        objects.filter(app_label=old, model=model).update(app_label=new)
