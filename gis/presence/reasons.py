"""Why a visit was planned, in words, in the reader's language.

The planner stores each visit's grounds (how many reports, on which weekdays, at which hours,
over how many days); this module turns them into a sentence when a page or the command shows
the visit, so a plan made in Swedish reads in English under /en/ too. Light on purpose: the
pages and the back office import it without the planning engine.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import ngettext

#: Days of reports the planner reads before the week (the grounds name theirs).
LOOKBACK_DAYS = 180


def _days_label(days: list[int]) -> str:
    if not days:
        return ""
    names = [str(WEEKDAYS_ABBR[d]) for d in days]
    if len(days) > 1 and days == list(range(days[0], days[-1] + 1)):
        return f"{names[0]}–{names[-1]}"
    return ", ".join(names)


def reason_text(grounds: Mapping) -> str:
    """Why a visit in words, in the active language: "14 rapporter fre–lör 22–02 de senaste
    180 dagarna" (from a visit's ``grounds``)."""
    count = int(grounds.get("count", 0))
    hours = ""
    if grounds.get("from_hour") is not None:
        hours = f"{grounds['from_hour']:02d}–{grounds['to_hour']:02d}"
    return ngettext(
        "%(count)d report %(days)s %(hours)s in the last %(lookback)d days",
        "%(count)d reports %(days)s %(hours)s in the last %(lookback)d days",
        count,
    ) % {
        "count": count,
        "days": _days_label(list(grounds.get("days", []))),
        "hours": hours,
        "lookback": int(grounds.get("lookback_days", LOOKBACK_DAYS)),
    }
