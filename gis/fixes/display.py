"""A fix as the work-list pages show it: rows, labels, evidence tables, history and follow-up.

Pure presentation for the templates of :mod:`gis.fixes.views`, in the active language. The
sentences that explain a fix come from :mod:`gis.fixes.explain` and its map from
:mod:`gis.fixes.mapsnippet`; this module arranges them, with the records they name, into what
one page needs. Numbers are formatted here for the locale (``explain.number``); nothing is
escaped here, the templates do that.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from gis.core import storedjson
from gis.core.vocabulary import Department
from gis.fixes import explain
from gis.fixes.models import Fix, FixStatusChange
from gis.hotspots.models import AnalysisRun
from layers.models import Incident, LuxReading, StreetLamp, Vegetation
from walks.models import ResidentPin, WalkFinding

if TYPE_CHECKING:
    from gis.fixes.followup import FollowUp

#: At most this many records of each kind of evidence are listed on a fix's page.
EVIDENCE_ROWS = 20


def list_rows(fixes: Iterable[Fix]) -> list[tuple[Fix, str]]:
    """Each fix of a work-list page with its place in words."""
    return [(fix, explain.place_label(fix)) for fix in fixes]


def print_items(fixes: Iterable[Fix]) -> list[dict]:
    """Each fix of the printable list with its headline and evidence sentences."""
    return [
        {"fix": fix, "headline": explain.headline(fix), "lines": explain.evidence_lines(fix)}
        for fix in fixes
    ]


def department_label(code: str | None) -> str:
    """A department in words ("" for none or an unknown code)."""
    return dict(Department.choices).get(code, "")


def status_history(fix: Fix) -> list[FixStatusChange]:
    """The fix's status changes, oldest first, each with ``from_label`` and ``to_label``: its
    statuses in words (the stored code when it is no longer a status)."""
    labels = dict(Fix.Status.choices)
    changes = list(fix.history.select_related("changed_by"))
    for change in changes:
        change.from_label = str(labels.get(change.from_status, change.from_status))
        change.to_label = str(labels.get(change.to_status, change.to_status))
    return changes


def risk_rows(run: AnalysisRun | None) -> list[dict]:
    """The Risk Terrain Model of `run` (one stored record per covariate), each with its
    covariate in words as ``label``; empty without a run."""
    risk = storedjson.records(run.summary, "risk") if run else []
    return [{**row, "label": explain.covariate_label(row["covariate"])} for row in risk]


def risk_covariate(fix: Fix) -> str | None:
    """The covariate whose relative risk the fix's score uses, or None."""
    return (explain.reason(fix, "relative_risk") or {}).get("covariate")


def evidence(fix: Fix) -> dict:
    """The records the fix's reasons name, newest first, at most ``EVIDENCE_ROWS`` of a kind.

    Keys ``pins``, ``findings``, ``incidents``, ``readings``, ``lamps`` and ``plants`` hold the
    records; ``pin_ids``, ``finding_ids`` and ``incident_ids`` all the ids the reasons name (the
    page says how many there are when not all are listed).
    """
    rep = explain.reason(fix, "reports") or {}
    light = explain.reason(fix, "lighting") or {}
    broken = explain.reason(fix, "broken_lamps") or {}
    veg = explain.reason(fix, "vegetation") or {}
    return {
        "pins": _first(
            ResidentPin.objects.select_related("category"), rep.get("pin_ids"), "-reported_at"
        ),
        "pin_ids": rep.get("pin_ids") or [],
        "findings": _first(
            WalkFinding.objects.select_related("category"), rep.get("finding_ids"), "-observed_at"
        ),
        "finding_ids": rep.get("finding_ids") or [],
        "incidents": _first(Incident.objects.all(), rep.get("incident_ids"), "-occurred_at"),
        "incident_ids": rep.get("incident_ids") or [],
        "readings": _first(LuxReading.objects.all(), light.get("reading_ids"), "-measured_at"),
        "lamps": _first(StreetLamp.objects.all(), broken.get("lamp_ids"), "pk"),
        "plants": _first(Vegetation.objects.all(), veg.get("vegetation_ids"), "pk"),
    }


def followup_rows(followup: FollowUp | None) -> list[dict]:
    """The follow-up table: one row per measure with its label, the figures before and after
    and their change formatted for the locale ("–" when not a number), and the counts.

    Rows: the measures at the place, reports per month by source, then the area counts within
    ``followup.area_radius_m`` metres. Empty without a follow-up.
    """
    if followup is None:
        return []
    metric_labels = {
        "reports_per_month": _("Reports per month"),
        "night_reports_per_month": _("Evening and night reports per month"),
        "mean_lux": _("Mean lux"),
        "mean_audit_score": _("Mean audit score (0–27)"),
    }
    rows = [(metric_labels.get(metric, metric), row) for metric, row in followup.table.iterrows()]
    sources = {
        "pins": _("Resident pins"),
        "findings": _("Walk findings"),
        "incidents": _("Incidents"),
    }
    rows += [
        (_("Reports per month: %(source)s") % {"source": sources[source]}, row)
        for source, row in followup.by_source.iterrows()
    ]
    radius = explain.number(followup.area_radius_m, 0)
    area_labels = {
        "reports_per_month": _("All reports within %(radius)s m, per month"),
        "relevant_reports_per_month": _(
            "Reports within %(radius)s m of the kinds this fix addresses, per month"
        ),
    }
    rows += [
        (area_labels[metric] % {"radius": radius}, row) for metric, row in followup.area.iterrows()
    ]
    return [_followup_row(label, row) for label, row in rows]


def _followup_row(label: str, row) -> dict:
    return {
        "label": label,
        "before": explain.number(_finite(row["before"])),
        "after": explain.number(_finite(row["after"])),
        "change": explain.number(_finite(row["change"])),
        "n_before": int(row["n_before"]),
        "n_after": int(row["n_after"]),
    }


def _first(queryset: QuerySet, ids: list | None, order: str) -> list:
    return list(queryset.filter(pk__in=ids or []).order_by(order)[:EVIDENCE_ROWS])


def _finite(value: float) -> float | None:
    return None if value != value else float(value)
