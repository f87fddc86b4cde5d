"""`trygg presence resource add|remove|list` and `trygg presence plan`: the partners' patrol
capacity and the week's presence plan.

    trygg presence resource add --municipality CODE --name NAME --actor ACTOR --mode MODE
                                --days mon,tue,... --from HH:MM --to HH:MM [--teams N]
    trygg presence resource remove --municipality CODE --name NAME
    trygg presence resource list [--municipality CODE] [--json]
    trygg presence plan --municipality CODE --week YYYY-Www [--seed N] [--json]

`add` updates a resource that has the name already (it says so), so running it twice changes
nothing. A shift whose end is at or before its start passes midnight (fri 20:00-03:00).
`plan` plans and stores the week (replacing its visits not yet logged) and prints each team's
visits, or with `--json` the plan as one JSON object.
"""

from __future__ import annotations

import json
from datetime import datetime, time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from gis.core import textguard
from gis.core.options import municipality_option, number_option
from gis.presence.models import WEEKDAYS, Actor, Mode, PresenceResource
from gis.presence.planning import plan_json, plan_week
from gis.presence.weeks import parse_week

#: Which option sets each field, to name it in errors.
OPTIONS = {
    "name": "--name",
    "actor": "--actor",
    "mode": "--mode",
    "weekdays": "--days",
    "shift_start": "--from",
    "shift_end": "--to",
    "teams": "--teams",
}


def clock_option(option: str, value: str) -> time:
    """HH:MM of `option` as a time; a CommandError naming the option otherwise."""
    try:
        hours, minutes = value.split(":")
        if len(hours) > 2 or len(minutes) != 2:
            raise ValueError
        return time(int(hours), int(minutes))
    except ValueError:
        raise CommandError(f"{option} must be a clock time HH:MM, got {value!r}") from None


def days_option(value: str) -> list[str]:
    days = [day.strip().lower() for day in value.split(",") if day.strip()]
    wrong = [day for day in days if day not in WEEKDAYS]
    if not days or wrong:
        raise CommandError(f"--days must be one or more of {','.join(WEEKDAYS)}, got {value!r}")
    return sorted(set(days), key=WEEKDAYS.index)


def resource_row(resource: PresenceResource) -> dict:
    return {
        "name": resource.name,
        "actor": resource.actor,
        "mode": resource.mode,
        "days": list(resource.weekdays),
        "from": resource.shift_start.strftime("%H:%M"),
        "to": resource.shift_end.strftime("%H:%M"),
        "teams": resource.teams,
        "partner": resource.partner.name if resource.partner else None,
        "municipality": resource.municipality.code,
    }


class Command(BaseCommand):
    help = "Manage the partners' presence resources and plan a week of presence visits."

    def add_arguments(self, parser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        resource = actions.add_parser("resource", help="a partner's patrol capacity")
        verbs = resource.add_subparsers(dest="verb", required=True)
        add = verbs.add_parser("add", help="add a resource, or update the one of that name")
        add.add_argument("--municipality", help="municipality code")
        add.add_argument("--name", required=True, help="the resource's name")
        add.add_argument("--actor", required=True, help=", ".join(Actor.values))
        add.add_argument("--mode", required=True, help=", ".join(Mode.values))
        add.add_argument("--days", required=True, help="the days shifts begin: mon,tue,…")
        add.add_argument("--from", dest="start", required=True, help="shift begins, HH:MM")
        add.add_argument("--to", dest="end", required=True, help="shift ends, HH:MM")
        add.add_argument("--teams", default="1", help="number of teams (default 1)")
        remove = verbs.add_parser("remove", help="remove a resource")
        remove.add_argument("--municipality", help="municipality code")
        remove.add_argument("--name", required=True, help="the resource's name")
        listing = verbs.add_parser("list", help="the resources")
        listing.add_argument("--municipality", help="municipality code")
        listing.add_argument("--json", action="store_true", help="print a JSON list")
        plan = actions.add_parser("plan", help="plan and store a week's visits")
        plan.add_argument("--municipality", help="municipality code")
        plan.add_argument("--week", required=True, help="ISO week, YYYY-Www")
        plan.add_argument("--seed", default="0", help="seed of the draws (default 0)")
        plan.add_argument("--json", action="store_true", help="print a JSON object")

    def handle(self, *args, action: str, **options) -> None:
        if action == "plan":
            self._plan(options)
            return
        {"add": self._add, "remove": self._remove, "list": self._list}[options["verb"]](options)

    def _add(self, options: dict) -> None:
        name = options["name"].strip()
        try:
            textguard.reject_control_characters(name)
        except ValidationError as error:
            raise CommandError(f"--name: {error.messages[0]}") from None
        values = {
            "actor": options["actor"],
            "mode": options["mode"],
            "weekdays": days_option(options["days"]),
            "shift_start": clock_option("--from", options["start"]),
            "shift_end": clock_option("--to", options["end"]),
            "teams": number_option("--teams", options["teams"], integer=True),
        }
        municipality = municipality_option(options["municipality"])
        with transaction.atomic():
            resource = (
                PresenceResource.objects.select_for_update()
                .filter(municipality=municipality, name=name)
                .first()
            )
            existed = resource is not None
            resource = resource or PresenceResource(municipality=municipality, name=name)
            for field, value in values.items():
                setattr(resource, field, value)
            try:
                resource.full_clean()
            except ValidationError as error:
                field, messages = next(iter(error.message_dict.items()))
                option = OPTIONS.get(field, "--name")
                raise CommandError(f"{option}: {' '.join(messages)}") from None
            resource.save()
        row = resource_row(resource)
        verb = "updated" if existed else "added"
        self.stdout.write(
            f"{verb} {row['name']} ({row['actor']}, {row['mode']}) {','.join(row['days'])} "
            f"{row['from']}-{row['to']}, {row['teams']} team(s) in {municipality.code}"
        )

    def _remove(self, options: dict) -> None:
        municipality = municipality_option(options["municipality"])
        name = options["name"].strip()
        deleted, _rows = PresenceResource.objects.filter(
            municipality=municipality, name=name
        ).delete()
        if not deleted:
            raise CommandError(f"--name: no presence resource {name!r} in {municipality.code}")
        self.stdout.write(f"removed {name} from {municipality.code}")

    def _list(self, options: dict) -> None:
        code = options["municipality"]
        scope = {"municipality": municipality_option(code)} if code else {}
        resources = PresenceResource.objects.filter(**scope).select_related("municipality")
        rows = [resource_row(r) for r in resources.order_by("municipality__code", "name")]
        lines = [
            f"{row['municipality']}\t{row['name']}\t{row['actor']}\t{row['mode']}\t"
            f"{','.join(row['days'])}\t{row['from']}-{row['to']}\t{row['teams']}"
            for row in rows
        ]
        text = json.dumps(rows, ensure_ascii=False) if options["json"] else "\n".join(lines)
        if text:
            self.stdout.write(text)

    def _plan(self, options: dict) -> None:
        try:
            parse_week(options["week"])
        except ValueError as error:
            raise CommandError(f"--week: {error}") from None
        seed = number_option("--seed", options["seed"], integer=True)
        if not 0 <= seed < 2**63:
            raise CommandError(f"--seed must be from 0 to 2**63-1, got {seed}")
        municipality = municipality_option(options["municipality"])
        plan = plan_week(municipality, options["week"], seed=seed)
        result = plan_json(plan)
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        summary = plan.summary
        self.stdout.write(
            f"{municipality.code} {plan.week}: {summary.get('visits', 0)} visits at "
            f"{summary.get('places_considered', 0)} places, harm covered "
            f"{summary.get('harm_covered', 0)} (plain greedy "
            f"{summary.get('harm_covered_plain_greedy', 0)})"
        )
        for team in result["teams"]:
            self.stdout.write(f"\n{team['name']} ({team['actor']}): {len(team['visits'])} visits")
            for visit in team["visits"]:
                start = datetime.fromisoformat(visit["start"])
                end = datetime.fromisoformat(visit["end"])
                self.stdout.write(
                    f"  {start:%a %d %b %H:%M}-{end:%H:%M}  {visit['place'] or '-'}"
                    f"  ({visit['lat']:.5f}, {visit['lon']:.5f})  {visit['reason']}"
                )
