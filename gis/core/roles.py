"""Staff roles as Django groups with model permissions; residents are anonymous.

`ROLE_PERMISSIONS` maps each role to "app_label.action_model" permission codes. The groups are
(re)created after every migrate, so changing this table and migrating updates every installation.
"""

from __future__ import annotations

VIEW_ALL = [
    f"{app}.view_{model}"
    for app, models in {
        "core": ["municipality"],
        "layers": [
            "district",
            "streetsegment",
            "streetlamp",
            "luxreading",
            "vegetation",
            "greenarea",
            "camera",
            "incident",
            "property",
        ],
        "walks": [
            "category",
            "safetywalk",
            "walkparticipant",
            "walkfinding",
            "findingphoto",
            "walkaudit",
            "residentpin",
            "pinphoto",
            "pinvote",
            "pinstatuschange",
        ],
        "hotspots": ["analysisrun", "hotspotcell"],
        "fixes": ["fix", "fixstatuschange"],
        "presence": ["presenceresource", "presenceplan", "plannedvisit", "presencemeasure"],
        "riskcalendar": ["calendarentry"],
        "campaigns": ["campaign", "campaignresponse", "campaignfeature", "campaignphoto"],
    }.items()
    for model in models
]


#: Seeing photos that are not published (of findings, of pins not made public).
PHOTO_VIEW = ("walks.view_pinphoto", "walks.view_findingphoto", "campaigns.view_campaignphoto")


def _crud(
    app: str, *models: str, actions: tuple[str, ...] = ("add", "change", "delete")
) -> list[str]:
    return [f"{app}.{action}_{model}" for model in models for action in actions]


ROLE_PERMISSIONS: dict[str, list[str]] = {
    "coordinator": [
        *VIEW_ALL,
        *_crud(
            "walks",
            "safetywalk",
            "walkfinding",
            "walkaudit",
            "residentpin",
            "pinphoto",
            "findingphoto",
        ),  # categories are shared by every municipality: only superusers change them
        "walks.view_pincontact",
        "walks.view_contact_details",
        "walks.view_contactaccess",
        *_crud("fixes", "fix", actions=("add", "change")),
        *_crud("hotspots", "analysisrun", actions=("add", "change")),
        *_crud("layers", "incident", "property"),
        "layers.add_importbatch",  # the import page (/import/): any layer
        # EST partners of the coordinator's municipalities, their API keys and the keys' log.
        *_crud("core", "partner", "partnerkey", actions=("add", "change", "view")),
        "core.view_partnerkeyuse",
        # EST presence work: the partners' capacity, the week's plans, the measures decided.
        *_crud("presence", "presenceresource", "presenceplan", "presencemeasure"),
        "presence.change_plannedvisit",
        "presence.log_visit",
        # The risk calendar's school holidays and events.
        *_crud("riskcalendar", "calendarentry"),
        # E-mail to residents and staff: digest settings, the outbox, personal-data requests.
        *_crud("notices", "noticesettings", actions=("add", "change", "delete", "view")),
        "notices.view_message",
        "notices.view_personaldatarequest",
        "notices.add_personaldatarequest",
        # Digital walks: open and close campaigns, moderate what residents sent, see e-mails.
        *_crud("campaigns", "campaign"),
        *_crud("campaigns", "campaignfeature", actions=("change", "delete")),
        "campaigns.view_campaigncontact",
    ],
    "planner": [
        *VIEW_ALL,
        *_crud("riskcalendar", "calendarentry"),
        *_crud("fixes", "fix", actions=("add", "change")),
        *_crud("hotspots", "analysisrun", actions=("add", "change")),
        *_crud("layers", "district", "streetsegment", "greenarea", "camera", "property"),
        "layers.add_importbatch",  # the import page (/import/): any layer
    ],
    "street_department": [
        *VIEW_ALL,
        "fixes.change_fix",
        *_crud("layers", "streetlamp", "luxreading", "streetsegment"),
    ],
    "parks_department": [
        *VIEW_ALL,
        "fixes.change_fix",
        *_crud("layers", "vegetation", "greenarea"),
    ],
    "walk_leader": [
        "layers.view_district",
        "layers.view_streetsegment",
        "walks.view_category",
        *_crud("walks", "safetywalk", "walkfinding", "walkaudit", "findingphoto"),
        "walks.view_safetywalk",
        "walks.view_walkfinding",
        "walks.view_walkaudit",
        "walks.view_walkparticipant",
    ],
    "analyst": [*VIEW_ALL, "hotspots.add_analysisrun"],
    # EST partners (police, housing companies, guards) follow the situation with the
    # municipality: they read the dashboard, the situation picture and the work lists (the
    # dashboard needs the fix view permission), never contact details, and change nothing.
    # Photos only once published (pins a resident chose to show): a photo may show people, so
    # unpublished ones stay with the municipality's own staff (gis.media, the dashboard's photos).
    "partner": [*(p for p in VIEW_ALL if p not in PHOTO_VIEW), "presence.log_visit"],
}

ROLES = tuple(ROLE_PERMISSIONS)


def ensure_roles(apps=None, **_kwargs) -> None:
    """Create or update the role groups with exactly the permissions listed above.

    Skipped when the migration state handed over by post_migrate lacks the auth tables or any
    model of this code (a database migrated back to zero, or to a release before a model moved
    app): content types and permissions made for this code's labels would then sit beside the
    old ones and take the groups' grants. The next forward `migrate` brings the roles.
    """
    from django.apps import apps as installed

    if apps is not None:
        try:
            apps.get_model("auth", "Permission")
            for model in installed.get_models():
                apps.get_model(model._meta.app_label, model._meta.model_name)
        except LookupError:
            return
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission

    for app_config in installed.get_app_configs():
        create_permissions(app_config, verbosity=0)
    for role, codes in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = []
        for code in sorted(set(codes)):
            app_label, codename = code.split(".", 1)
            wanted.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(wanted)
