"""The pages of walk planning (gis.walkplan): who opens the planning page and the printable
plan, what the printed plan shows, the public results page of a closed walk (404 for an open
one, no personal data, typed text escaped), the link from a report's tracking page, and the
stops on the phones with their ticks (idempotent, only by the walk's participants, replayed
by the outbox)."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone

from gis.core.models import Municipality
from tests.walks.conftest import _fresh_limits_and_media, api, make_walk  # noqa: F401

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _user(role: str) -> User:
    user = User.objects.create_user(f"wp-{role}-{uuid.uuid4().hex[:6]}", password="pw")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.groups.add(Group.objects.get(name=role))
    user.municipalities.set(Municipality.objects.all())
    return user


def _stops(walk, n: int = 3, **extra):
    from walks.models import WalkStop

    stops = []
    for order in range(1, n + 1):
        fields = {
            "walk": walk,
            "order": order,
            "kind": "added",
            "geom": walk.route.interpolate_normalized(order / (n + 1)),
            "title": f"Plats {order}",
            "why": f"Skäl {order}",
            "look_at": f"Titta på belysningen {order}",
        }
        fields.update(extra if order == 1 else {})
        stops.append(WalkStop.objects.create(**fields))
    return stops


def _pin(demo, **extra):
    from walks.models import Category, ResidentPin

    fields = {
        "municipality": demo,
        "category": Category.objects.get(code="lighting"),
        "when": "evening",
        "description": "Mörk gångtunnel, beskrivning från invånaren",
        "geom": demo.boundary.point_on_surface,
        "reported_at": timezone.now(),
    }
    fields.update(extra)
    return ResidentPin.objects.create(**fields)


# --- the planning page --------------------------------------------------------------------------


def test_the_planning_page_is_for_leaders_in_both_languages(client, demo):
    walk = make_walk(demo)
    path = f"/vandringar/{walk.join_code}/planera/"
    assert client.get(path).status_code == 302
    client.force_login(_user("analyst"))
    assert client.get(path).status_code == 403
    client.force_login(_user("walk_leader"))
    swedish = client.get(path)
    assert swedish.status_code == 200
    html = swedish.content.decode()
    assert "Planera rutten" in html and 'id="plan-config"' in html and "Föreslå" in html
    assert f"/api/walks/{walk.join_code}/plan/" in html and "/api/walkplans/" in html
    english = client.get(f"/en/walks/{walk.join_code}/plan/").content.decode()
    assert "Plan the route" in english and "Propose" in english
    assert client.get("/vandringar/NOPE1234/planera/").status_code == 404


def test_the_walks_page_offers_planning_and_shows_ticked_stops(client, demo):
    walk = make_walk(demo)
    stops = _stops(walk)
    stops[1].ticked_at = timezone.now()
    stops[1].save()
    client.force_login(_user("walk_leader"))
    html = client.get(f"/walks/{walk.join_code}/").content.decode()
    assert f"/vandringar/{walk.join_code}/planera/" in html and "Planera rutten" in html
    assert f"/vandringar/{walk.join_code}/utskrift/" in html
    assert html.count('class="ticked"') == 1 and "inte besökt än" in html


def test_a_saved_plan_is_shown_with_its_inputs(client, demo):
    import json

    walk = make_walk(demo, plan={"minutes": 60, "time_of_day": "night", "pace_kmh": 2.5})
    _stops(walk, 2, title=HOSTILE)
    client.force_login(_user("coordinator"))
    html = client.get(f"/en/walks/{walk.join_code}/plan/").content.decode()
    tag = '<script id="plan-config" type="application/json">'
    start = html.index(tag) + len(tag)
    config = json.loads(html[start : html.index("</script>", start)])
    assert config["inputs"]["minutes"] == 60 and config["inputs"]["time_of_day"] == "night"
    assert [s["order"] for s in config["saved"]["stops"]] == [1, 2]
    assert config["saved"]["stops"][0]["title"] == HOSTILE  # data, escaped by json_script
    assert "<script>alert" not in html


# --- the printable plan ---------------------------------------------------------------------


def test_the_printed_plan_has_the_numbered_stops_and_the_audit_sheet(client, demo):
    from gis.core.vocabulary import AUDIT_PARAMETERS

    walk = make_walk(demo, title="Utskriftsvandring")
    _stops(walk, 4, look_at=HOSTILE)
    path = f"/vandringar/{walk.join_code}/utskrift/"
    assert client.get(path).status_code == 302
    client.force_login(_user("walk_leader"))
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Utskriftsvandring" in html and walk.join_code in html
    for order in range(1, 5):
        assert f'data-order="{order}"' in html
    # The map: street lines, the route, one numbered circle per stop, drawn on the server.
    svg = html[html.index('<svg class="walk-svg"') : html.index("</svg>", html.index("walk-svg"))]
    assert svg.count("<circle") == 4 and "<path" in svg
    # The nine audit parameters as columns, one row per stop, four boxes (0-3) each.
    sheet = html[html.index('id="audit-sheet"') : html.index("</table>", html.index("audit-sheet"))]
    assert sheet.count('class="param"') == len(AUDIT_PARAMETERS) == 9
    assert sheet.count('class="box"') == 4 * 9 * 4
    assert "<svg" in html[: html.index("walk-svg")]  # the join QR code
    assert HOSTILE not in html and "&lt;script&gt;" in html
    english = client.get(f"/en/walks/{walk.join_code}/print/").content.decode()
    assert "Audit sheet" in english and "Walk plan" in english


def test_the_printed_plan_shows_published_comments_only(client, demo):
    from walks.models import WalkStop

    walk = make_walk(demo)
    shown = _pin(demo, published=True, description="Publicerad kommentar " + HOSTILE)
    hidden = _pin(demo, published=False, description="Opublicerad kommentar")
    for order, pin in enumerate((shown, hidden), start=1):
        WalkStop.objects.create(walk=walk, order=order, kind="pin", ref_id=pin.pk, geom=pin.geom)
    client.force_login(_user("coordinator"))
    html = client.get(f"/vandringar/{walk.join_code}/utskrift/").content.decode()
    assert "Publicerad kommentar &lt;script&gt;" in html and "Opublicerad kommentar" not in html


def test_the_printed_plan_of_an_unplanned_walk_says_so(client, demo):
    walk = make_walk(demo, route=None)
    client.force_login(_user("coordinator"))
    html = client.get(f"/en/walks/{walk.join_code}/print/").content.decode()
    assert 'id="print-no-plan"' in html and 'class="param"' in html


# --- the public results page ------------------------------------------------------------------


def _closed_walk_with_everything(demo):
    from gis.fixes.models import Fix
    from walks.models import Category, PinContact, WalkFinding, WalkParticipant, WalkStop

    walk = make_walk(demo, title="Resultatvandring", status="closed")
    participant = WalkParticipant.objects.create(
        walk=walk, role="resident", display_name="Deltagarnamn Hemligsson"
    )
    WalkFinding.objects.create(
        municipality=demo,
        walk=walk,
        participant=participant,
        author_role="resident",
        category=Category.objects.get(code="lighting"),
        severity=4,
        when="night",
        note="Privat anteckning om grannen",
        geom=walk.route.interpolate_normalized(0.5),
        observed_at=timezone.now(),
        client_uuid=uuid.uuid4(),
    )
    pin = _pin(
        demo,
        status="measure_planned",
        public_answer="Belysningen byts i vecka 12. " + HOSTILE,
        geom=walk.route.interpolate_normalized(0.2),
    )
    PinContact.objects.create(pin=pin, name="Kontakt Namnsson", email="hemlig@example.org")
    WalkStop.objects.create(
        walk=walk, order=1, kind="pin", ref_id=pin.pk, geom=pin.geom, title="Gångtunneln"
    )
    fix = Fix.objects.filter(municipality=demo).order_by("pk").first()
    if fix is not None:
        fix.pins.add(pin)
    return walk, pin, fix


def test_the_results_page_shows_a_closed_walk_without_personal_data(client, demo):
    walk, pin, fix = _closed_walk_with_everything(demo)
    response = client.get(f"/trygghetsvandringar/{walk.join_code}/resultat/")
    assert response.status_code == 200
    assert "public" in response["Cache-Control"] and "max-age=" in response["Cache-Control"]
    html = response.content.decode()
    assert "Resultatvandring" in html and "Belysning" in html
    assert "Åtgärd planerad" in html and "Belysningen byts i vecka 12." in html
    assert 'id="results-findings"' in html and "<svg" in html
    if fix is not None:
        assert f'data-fix="{fix.pk}"' in html
    for secret in (
        "hemlig@example.org",
        "Kontakt Namnsson",
        "Deltagarnamn Hemligsson",
        "Privat anteckning om grannen",
        pin.description,
        pin.tracking_token,
    ):
        assert secret not in html, secret
    assert HOSTILE not in html and "&lt;script&gt;" in html
    english = client.get(f"/en/safety-walks/{walk.join_code}/results/")
    assert english.status_code == 200 and "What the walk found" in english.content.decode()


def test_the_results_of_a_walk_that_is_not_closed_are_404(client, demo):
    for status in ("planned", "active"):
        walk = make_walk(demo, status=status)
        assert client.get(f"/trygghetsvandringar/{walk.join_code}/resultat/").status_code == 404
    assert client.get("/trygghetsvandringar/NOSUCH99/resultat/").status_code == 404
    assert client.get("/trygghetsvandringar/x%00y/resultat/").status_code == 404


def test_the_tracking_page_links_the_results_of_walks_that_visited_it(client, demo):
    walk, pin, _fix = _closed_walk_with_everything(demo)
    other = _pin(demo)
    open_walk = make_walk(demo, title="Pågående vandring")
    from walks.models import WalkStop

    WalkStop.objects.create(walk=open_walk, order=1, kind="pin", ref_id=pin.pk, geom=pin.geom)
    html = client.get(f"/rapportera/folj/{pin.tracking_token}/").content.decode()
    assert f"/trygghetsvandringar/{walk.join_code}/resultat/" in html
    assert open_walk.join_code not in html
    html = client.get(f"/rapportera/folj/{other.tracking_token}/").content.decode()
    assert 'id="track-walks"' not in html


# --- the stops on the phone and their ticks -----------------------------------------------------


def _participant(walk):
    from walks.models import WalkParticipant

    return WalkParticipant.objects.create(walk=walk, role="resident")


def test_the_phone_reads_the_stops_in_order(api, demo):  # noqa: F811
    walk = make_walk(demo)
    _stops(walk, 3, title=HOSTILE)
    body = api.get(f"/api/walks/{walk.join_code}/stops/").json()
    assert [s["order"] for s in body] == [1, 2, 3]
    assert body[0]["title"] == HOSTILE and body[1]["look_at"] == "Titta på belysningen 2"
    assert all(-180 <= s["lon"] <= 180 and -90 <= s["lat"] <= 90 for s in body)
    assert not any(s["ticked"] for s in body)
    app = api.get(f"/w/{walk.join_code}").content.decode()
    assert f"/api/walks/{walk.join_code}/stops/" in app and 'id="wa-stops"' in app


def test_a_tick_is_idempotent_and_an_untick_undoes_it(api, demo):  # noqa: F811
    from walks.models import WalkStop

    walk = make_walk(demo)
    _stops(walk, 2)
    me = _participant(walk)
    url = f"/api/walks/{walk.join_code}/stops/2/tick/"
    phone = {"HTTP_X_TRYGG_DEVICE": str(me.device_token)}
    first = api.post(url, {"ticked": True}, format="json", **phone)
    assert first.status_code == 200 and first.json()["ticked"] is True
    stop = WalkStop.objects.get(walk=walk, order=2)
    assert stop.ticked_by == me and stop.ticked_at is not None
    # A replay (the outbox resending after a lost answer) keeps the first tick.
    again = api.post(url, {"ticked": True}, format="json", **phone)
    assert again.status_code == 200
    assert WalkStop.objects.get(pk=stop.pk).ticked_at == stop.ticked_at
    other = _participant(walk)
    api.post(url, {}, format="json", HTTP_X_TRYGG_DEVICE=str(other.device_token))
    assert WalkStop.objects.get(pk=stop.pk).ticked_by == me  # the first phone keeps it
    undone = api.post(url, {"ticked": False}, format="json", **phone)
    assert undone.status_code == 200 and undone.json()["ticked"] is False
    assert WalkStop.objects.get(pk=stop.pk).ticked_at is None
    assert WalkStop.objects.get(walk=walk, order=1).ticked_at is None


def test_only_the_walks_participants_tick_and_bad_input_is_named(api, demo):  # noqa: F811
    from walks.models import WalkStop

    walk = make_walk(demo)
    _stops(walk, 1)
    other_walk = make_walk(demo)
    stranger = _participant(other_walk)
    url = f"/api/walks/{walk.join_code}/stops/1/tick/"
    assert api.post(url, {"ticked": True}, format="json").status_code == 403
    refused = api.post(
        url, {"ticked": True}, format="json", HTTP_X_TRYGG_DEVICE=str(stranger.device_token)
    )
    assert refused.status_code == 403
    assert api.post(url, {}, format="json", HTTP_X_TRYGG_DEVICE="not-a-uuid").status_code in (
        400,
        403,
    )
    me = _participant(walk)
    phone = {"HTTP_X_TRYGG_DEVICE": str(me.device_token)}
    bad = api.post(url, {"ticked": "perhaps"}, format="json", **phone)
    assert bad.status_code == 400 and "ticked" in bad.json()
    missing = f"/api/walks/{walk.join_code}/stops/9/tick/"
    assert api.post(missing, {}, format="json", **phone).status_code == 404
    assert WalkStop.objects.get(walk=walk).ticked_at is None
    walk.status = "closed"
    walk.save()
    assert api.post(url, {}, format="json", **phone).status_code == 404


def test_ticks_replayed_out_of_order_by_the_outbox_end_as_the_last_one_sent(api, demo):  # noqa: F811
    """The outbox sends a queued tick and untick in the order they were made, each possibly
    twice (a lost answer): the stop ends as the last one made."""
    from walks.models import WalkStop

    walk = make_walk(demo)
    _stops(walk, 1)
    me = _participant(walk)
    url = f"/api/walks/{walk.join_code}/stops/1/tick/"
    phone = {"HTTP_X_TRYGG_DEVICE": str(me.device_token)}
    for ticked in (True, True, False, False, True, True):
        assert api.post(url, {"ticked": ticked}, format="json", **phone).status_code == 200
    assert WalkStop.objects.get(walk=walk).ticked_at is not None


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_stop_texts_of_the_phone_are_translated(client, demo, language):
    walk = make_walk(demo)
    prefix = "" if language == "sv" else "/en"
    html = client.get(f"{prefix}/w/{walk.join_code}").content.decode()
    assert ("Vi har varit h" if language == "sv" else "We have been here") in html  # JSON: \u00e4


# --- the demo ------------------------------------------------------------------------------------


def test_the_demo_plans_its_open_walk_and_publishes_a_closed_ones_results(client, demo):
    from gis.demo.open_walk import ensure_open_walk
    from gis.demo.walk_plans import plan_demo_walks

    walk = ensure_open_walk(demo, None)
    assert plan_demo_walks(demo, walk) == 2
    assert walk.stops.count() >= 2
    from walks.models import SafetyWalk

    closed = SafetyWalk.objects.filter(municipality=demo, status="closed", stops__isnull=False)
    closed = closed.distinct().get()
    assert closed.stops.filter(ticked_at__isnull=False).exists()
    html = client.get(f"/trygghetsvandringar/{closed.join_code}/resultat/").content.decode()
    assert html.count('class="stop-no"') == closed.stops.count()
    # Planned once: a second run changes nothing.
    before = list(walk.stops.values_list("kind", "ref_id"))
    assert plan_demo_walks(demo, walk) == 0
    assert list(walk.stops.values_list("kind", "ref_id")) == before
