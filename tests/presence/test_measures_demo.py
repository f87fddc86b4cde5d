"""The demo's three presence measures (gis.demo.measures) and what their follow-up shows."""

from __future__ import annotations

from gis.demo.measures import NIGHT_WALKING, SAFETY_HOSTS, YOUTH_DIALOGUE, ensure_demo_measures
from gis.presence import measures as flow
from gis.presence.models import PresenceMeasure


def test_the_demo_measures_and_the_planted_drop(demo):
    made = ensure_demo_measures(demo)
    again = ensure_demo_measures(demo)  # idempotent
    assert [m.pk for m in made] == [m.pk for m in again]
    by_title = {m.title: m for m in PresenceMeasure.objects.filter(municipality=demo)}
    walking = by_title[NIGHT_WALKING]
    assert walking.status == "done" and walking.done_at is not None
    assert by_title[SAFETY_HOSTS].status == "planned"
    assert by_title[YOUTH_DIALOGUE].status == "recorded"
    result = flow.followup(walking)
    print(result.as_dict())
    assert not result.too_little_data
    assert result.ratio < 1 and result.ci_high < 1
    assert flow.verdict(result) == "fewer"
    # The dialogue has not begun: no follow-up yet.
    assert flow.followup(by_title[YOUTH_DIALOGUE]) is None
