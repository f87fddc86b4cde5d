"""`trygg plan-walk`: propose a safety walk's stops and its route along the streets.

    trygg plan-walk --municipality CODE --district NAME --minutes M
                    --time-of-day day|evening|night [--start LON,LAT] [--end LON,LAT]
                    [--pace KMH] [--json]

Prints the numbered stops with why each is on the route, the length and the minutes (walking and
a few minutes at each stop), or with ``--json`` the plan as the API gives it (docs/walkplan.md).
Nothing is stored. Bad input is one line naming the option (exit code 1); a missing option is a
usage error (exit code 2).
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from gis.core.options import municipality_option, number_option
from gis.core.vocabulary import WhenUnsafe
from gis.walkplan.planning import PlanError, plan_json, plan_walk

#: The option that sets each planning input, to name it in errors.
OPTIONS = {
    "district": "--district",
    "area": "--district",
    "minutes": "--minutes",
    "pace_kmh": "--pace",
    "time_of_day": "--time-of-day",
    "start": "--start",
    "end": "--end",
}


def point_option(option: str, value: str | None) -> tuple[float, float] | None:
    """``LON,LAT`` of ``option`` as two numbers, None when not given."""
    if value is None:
        return None
    parts = value.split(",")
    try:
        if len(parts) != 2:
            raise ValueError
        lon, lat = float(parts[0]), float(parts[1])
    except ValueError:
        raise CommandError(f"{option} must be LON,LAT in degrees, got {value!r}") from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise CommandError(f"{option} must be LON,LAT in degrees, got {value!r}")
    return lon, lat


class Command(BaseCommand):
    help = "Propose a safety walk's stops and route along the streets within a time budget."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--municipality", help="municipality code")
        parser.add_argument("--district", required=True, help="district name (or id)")
        parser.add_argument("--minutes", required=True, help="time budget in minutes")
        parser.add_argument(
            "--time-of-day", required=True, choices=WhenUnsafe.values, dest="time_of_day"
        )
        parser.add_argument("--start", help="LON,LAT of the start (WGS 84)")
        parser.add_argument("--end", help="LON,LAT of the end (WGS 84)")
        parser.add_argument("--pace", default="4", help="walking pace in km/h (default 4)")
        parser.add_argument("--json", action="store_true", help="print the plan as JSON")

    def handle(self, *args, **options) -> None:
        municipality = municipality_option(options["municipality"])
        minutes = number_option("--minutes", options["minutes"])
        pace = number_option("--pace", options["pace"])
        start = point_option("--start", options["start"])
        end = point_option("--end", options["end"])
        try:
            plan = plan_walk(
                municipality,
                district=options["district"],
                minutes=minutes,
                time_of_day=options["time_of_day"],
                pace_kmh=pace,
                start=start,
                end=end,
            )
        except PlanError as error:
            option = OPTIONS.get(error.field, f"--{error.field.replace('_', '-')}")
            raise CommandError(f"{option}: {error.message}") from None
        data = plan_json(plan)
        if options["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False, sort_keys=True))
            return
        self.stdout.write(self._listing(plan, data))

    def _listing(self, plan, data: dict) -> str:
        inputs = data["inputs"]
        where = inputs.get("district_name") or plan.municipality.name
        lines = [
            f"{where}: {inputs['time_of_day']}, {inputs['minutes']:g} minutes at "
            f"{inputs['pace_kmh']:g} km/h",
        ]
        for stop in data["stops"]:
            lines.append(
                f"{stop['order']:>2}. [{stop['kind']} {stop['id']}] "
                f"{stop['lon']:.6f},{stop['lat']:.6f}  +{stop['minutes_from_start']:g} min"
            )
            lines.append(f"    {stop['why']}")
            if stop["look_at"]:
                lines.append(f"    {stop['look_at']}")
        if not data["stops"]:
            lines.append("No stops: no unresolved reports, findings or hot spots in the area.")
        lines.append(
            f"{len(data['stops'])} stops of {data['candidates']} candidates, "
            f"{data['length_m']:.0f} m, {data['minutes']:.0f} minutes "
            f"({data['walk_minutes']:.0f} walking, {data['stop_minutes']:.0f} at the stops)"
            + (
                " - over the budget (the added stops alone take longer)"
                if data["over_budget"]
                else ""
            )
        )
        return "\n".join(lines)
