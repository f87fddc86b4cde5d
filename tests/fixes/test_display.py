"""A fix as the pages show it (gis.fixes.display), on fixes built in the test database."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from django.utils import translation

from gis.fixes import display, workflow
from gis.fixes.followup import FollowUp
from gis.fixes.models import Fix
from gis.hotspots.models import AnalysisRun
from layers.models import StreetLamp
from tests.fixes.conftest import make_user, new_fix
from walks.models import ResidentPin


def test_status_history_names_each_step_in_the_active_language(demo):
    fix = new_fix(demo)
    planner = make_user("planner")
    workflow.change_status(fix, Fix.Status.PLANNED, user=planner)
    workflow.change_status(fix, Fix.Status.REJECTED, user=planner, note="Not ours")

    with translation.override("en"):
        history = display.status_history(fix)
    steps = [(c.from_label, c.to_label, c.note) for c in history]
    assert steps == [("Proposed", "Planned", ""), ("Planned", "Rejected", "Not ours")]
    assert history[1].changed_by == planner

    with translation.override("sv"):
        swedish = [(c.from_label, c.to_label) for c in display.status_history(fix)]
    assert swedish == [("Föreslagen", "Planerad"), ("Planerad", "Avslagen")]


def test_status_history_keeps_a_status_code_it_no_longer_knows(demo):
    fix = new_fix(demo)
    fix.history.create(from_status="proposed", to_status="archived")
    (change,) = display.status_history(fix)
    assert change.to_label == "archived"


def test_evidence_lists_the_newest_named_records_at_most_evidence_rows(demo):
    pins = list(ResidentPin.objects.filter(municipality=demo).order_by("pk")[:25])
    lamp = StreetLamp.objects.filter(municipality=demo).first()
    pin_ids = [p.pk for p in pins]
    fix = new_fix(
        demo,
        reasons=[
            {"code": "reports", "pin_ids": pin_ids, "finding_ids": [], "incident_ids": None},
            {"code": "broken_lamps", "count": 1, "lamp_ids": [lamp.pk]},
        ],
    )

    shown = display.evidence(fix)

    newest = sorted(pins, key=lambda p: p.reported_at, reverse=True)[: display.EVIDENCE_ROWS]
    assert [p.pk for p in shown["pins"]] == [p.pk for p in newest]
    assert shown["pin_ids"] == pin_ids  # all of them, for "the latest 20 are listed"
    assert shown["findings"] == [] and shown["incidents"] == [] and shown["incident_ids"] == []
    assert shown["lamps"] == [lamp]
    assert shown["readings"] == [] and shown["plants"] == []


def test_evidence_of_a_fix_without_reasons_is_empty(demo):
    shown = display.evidence(new_fix(demo, reasons=[]))
    assert all(value == [] for value in shown.values())


def test_risk_rows_label_each_covariate_and_the_fix_names_the_one_it_uses(demo):
    run = AnalysisRun.objects.create(
        municipality=demo,
        kind=AnalysisRun.Kind.PRIORITISE,
        summary={
            "risk": [
                {"covariate": "under_lit", "relative_risk": 3.1},
                {"covariate": "moon_phase", "relative_risk": 1.0},
            ]
        },
    )
    fix = new_fix(demo, reasons=[{"code": "relative_risk", "covariate": "under_lit"}])

    with translation.override("en"):
        rows = display.risk_rows(run)
    assert [r["label"] for r in rows] == ["dark or under-lit path", "moon_phase"]
    assert rows[0]["relative_risk"] == 3.1
    assert display.risk_rows(None) == []
    assert display.risk_covariate(fix) == "under_lit"
    assert display.risk_covariate(new_fix(demo, fix_type=Fix.Type.CLEAN)) is None


def test_followup_rows_format_for_the_locale_and_show_a_dash_for_no_number():
    columns = ["before", "after", "change", "n_before", "n_after"]
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    followup = FollowUp(
        table=pd.DataFrame(
            [[4.0, 1.5, -2.5, 24, 9], [float("nan"), 12.25, float("nan"), 0, 3]],
            index=["reports_per_month", "mean_lux"],
            columns=columns,
        ),
        by_source=pd.DataFrame([[2.0, 1.0, -1.0, 12, 6]], index=["pins"], columns=columns),
        area=pd.DataFrame(
            [[5.0, 2.0, -3.0, 30, 12]], index=["relevant_reports_per_month"], columns=columns
        ),
        before=(start, start + dt.timedelta(days=180)),
        after=(start + dt.timedelta(days=180), start + dt.timedelta(days=360)),
        window_days=180.0,
        audit_radius_m=100.0,
        area_radius_m=150.0,
    )

    with translation.override("sv"):
        rows = display.followup_rows(followup)
        pins = translation.gettext("Resident pins")
        area = translation.gettext(
            "Reports within %(radius)s m of the kinds this fix addresses, per month"
        )

    assert [r["label"] for r in rows] == [
        "Rapporter per månad",
        "Medel-lux",
        f"Rapporter per månad: {pins}",
        area % {"radius": "150"},
    ]
    assert pins != "Resident pins" and "150 m" in rows[3]["label"]
    assert rows[0] == {
        "label": "Rapporter per månad",
        "before": "4,00",
        "after": "1,50",
        "change": "-2,50",
        "n_before": 24,
        "n_after": 9,
    }
    assert rows[1]["before"] == "–" and rows[1]["change"] == "–" and rows[1]["after"] == "12,25"
    assert display.followup_rows(None) == []


def test_labels_of_the_list_and_the_printed_list(demo):
    fix = new_fix(demo, fix_type=Fix.Type.CLEAN)
    with translation.override("en"):
        assert display.department_label("parks") == "Parks department"
        assert display.department_label("") == "" and display.department_label(None) == ""
        ((row_fix, place),) = display.list_rows([fix])
        (item,) = display.print_items([fix])
    assert row_fix == fix and place == str(fix.segment) and "segment" not in place
    assert item["headline"].startswith("Clean graffiti or litter: ")
    assert item["lines"][0] == "No relevant reports yet."
