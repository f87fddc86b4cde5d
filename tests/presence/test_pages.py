"""The presence page, the team list and the visit log page: who sees what, the resource form,
the plan button (which calls gis.presence.planning.plan_week) and the translated paths."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from gis.presence.models import PresencePlan, PresenceResource
from tests.presence.conftest import make_user, make_visit


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _page(presence, client=None, **query):
    client = client or _client(presence.coordinator)
    params = {"municipality": presence.here.code, "week": "2026-W50", **query}
    return client.get("/narvaro/", params)


def test_the_page_shows_resources_plan_and_forms_to_the_coordinator(presence):
    answer = _page(presence)
    assert answer.status_code == 200
    text = answer.content.decode()
    assert 'lang="sv"' in text and "Väktare" in text and "Nattvandring" in text
    assert "passerar midnatt" in text  # 20:00–03:00
    assert 'id="plan-week"' in text and 'id="add-resource"' in text
    assert "5 rapporter fre–lör 22–02" in text  # why each visit
    assert answer.context["config"]["visits"]["features"][0]["geometry"]["type"] == "Point"
    english = _client(presence.coordinator).get(
        "/en/presence/", {"municipality": presence.here.code, "week": "2026-W50"}
    )
    assert english.status_code == 200 and "Plan the week" in english.content.decode()
    with translation.override("sv"):
        assert reverse("presence:visits") == "/narvaro/besok/"
    with translation.override("en"):
        assert reverse("presence:visits") == "/en/presence/visits/"


def test_the_default_week_is_next_week(presence):
    answer = _client(presence.coordinator).get("/narvaro/")
    year, week, _day = (timezone.localdate() + dt.timedelta(days=7)).isocalendar()
    assert answer.context["week"] == f"{year}-W{week:02d}"


def test_a_bad_week_is_400_naming_it(presence):
    for week in ("2026-50", "2026-W60", "<b>"):
        answer = _page(presence, week=week)
        assert answer.status_code == 400
        assert "<code>week</code>" in answer.content.decode()
    assert "&lt;b&gt;" not in _page(presence, week="<b>").content.decode()


def test_partners_read_without_forms_and_may_not_change(presence):
    client = _client(presence.guard)
    text = _page(presence, client).content.decode()
    assert "Väktare" in text and 'id="plan-week"' not in text and 'id="add-resource"' not in text
    form = {"municipality": presence.here.code, "week": "2026-W50"}
    assert client.post(reverse("presence:plan"), form).status_code == 403
    assert client.post(reverse("presence:resource-add"), form).status_code == 403
    removal = reverse("presence:resource-remove", args=[presence.guard_resource.pk])
    assert client.post(removal, form).status_code == 403
    assert PresenceResource.objects.filter(pk=presence.guard_resource.pk).exists()
    walk_leader = _client(make_user("walk_leader", "pres"))
    assert _page(presence, walk_leader).status_code == 403
    assert Client().get("/narvaro/").status_code == 302  # to the login page


def test_the_coordinator_adds_and_removes_a_resource(presence):
    client = _client(presence.coordinator)
    form = {
        "municipality": presence.here.code,
        "week": "2026-W50",
        "name": "Trygghetsvärdar centrum",
        "partner": presence.walkers.pk,
        "actor": "host",
        "mode": "bike",
        "weekdays": ["sat", "mon"],
        "shift_start": "14:00",
        "shift_end": "22:00",
        "teams": "2",
    }
    answer = client.post(reverse("presence:resource-add"), form)
    assert answer.status_code == 302
    added = PresenceResource.objects.get(municipality=presence.here, name=form["name"])
    assert added.weekdays == ["mon", "sat"] and added.teams == 2
    assert (added.shift_start, added.shift_end) == (dt.time(14), dt.time(22))

    bad = client.post(
        reverse("presence:resource-add"),
        {**form, "name": "Utan dagar", "weekdays": [], "shift_start": "25:00"},
    )
    assert bad.status_code == 400
    assert set(bad.context["form"].errors) == {"weekdays", "shift_start"}
    assert not PresenceResource.objects.filter(name="Utan dagar").exists()
    duplicate = client.post(reverse("presence:resource-add"), form)
    assert duplicate.status_code == 400 and "name" in duplicate.context["form"].errors

    removal = reverse("presence:resource-remove", args=[added.pk])
    assert client.post(removal, {"week": "2026-W50"}).status_code == 302
    assert not PresenceResource.objects.filter(pk=added.pk).exists()


def test_the_plan_button_calls_the_planner(presence):
    client = _client(presence.coordinator)
    form = {"municipality": presence.here.code, "week": "2026-W51", "seed": "7"}
    answer = client.post(reverse("presence:plan"), form)
    assert answer.status_code == 302 and answer["Location"].endswith("week=2026-W51#plan")
    plan = PresencePlan.objects.get(municipality=presence.here, week="2026-W51")
    assert plan.seed == 7 and plan.created_by == presence.coordinator
    shown = client.get(answer["Location"])
    assert "Veckan 2026-W51 är planerad" in shown.content.decode()
    assert client.post(reverse("presence:plan"), {**form, "seed": "x"}).status_code == 400


def test_the_team_list_is_in_order_by_day(presence):
    resource = presence.guard_resource
    first = timezone.now() + dt.timedelta(days=1)
    later = make_visit(presence.plan, resource, first + dt.timedelta(hours=2), place="Parken")
    earlier = make_visit(presence.plan, resource, first, place="Stationen")
    url = reverse("presence:team", args=["2026-W50", resource.pk, 1])
    answer = _client(presence.guard).get(url)
    assert answer.status_code == 200
    order = [v.pk for v in answer.context["visits"]]
    assert order.index(earlier.pk) < order.index(later.pk)
    assert 'id="print-list"' in answer.content.decode()
    assert (
        _client(presence.guard)
        .get(reverse("presence:team", args=["2026-W50", resource.pk, 2]))
        .status_code
        == 404
    )
    assert (
        _client(presence.guard)
        .get(reverse("presence:team", args=["bad", resource.pk, 1]))
        .status_code
        == 404
    )


def test_the_visit_log_lists_the_users_teams_only(presence):
    guard = _client(presence.guard).get(reverse("presence:visits"))
    assert guard.status_code == 200
    assert [v.pk for v in guard.context["visits"]] == [presence.guard_visit.pk]
    coordinator = _client(presence.coordinator).get(reverse("presence:visits"))
    shown = [v.pk for v in coordinator.context["visits"]]
    assert shown == [presence.guard_visit.pk, presence.walker_visit.pk]  # not another town's
    assert _client(make_user("analyst", "pres")).get(reverse("presence:visits")).status_code == 403


def test_the_service_worker_covers_the_visit_log(presence):
    answer = Client().get(reverse("presence:sw"))
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/javascript")
    assert answer["Service-Worker-Allowed"] == "/narvaro/besok/"
    body = answer.content.decode()
    assert 'CACHE_PREFIX = "trygg-presence"' in body and "presence/visitlog.js" in body
    walk = Client().get(reverse("walks:sw")).content.decode()
    assert 'CACHE_PREFIX = "trygg-walk"' in walk  # the field app keeps its own caches
