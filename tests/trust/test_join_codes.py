"""Walk join codes (walks.join_codes): new codes carry 60 bits from an unambiguous alphabet, old
short codes keep working while their walk is open, and a closed walk's code answers 404 on every
route that takes a code without a login; leaders keep the closed walk on their signed-in pages,
which no longer show a join sheet."""

from __future__ import annotations

import itertools
import math
import re
import uuid

import pytest
from django.test import Client
from django.urls import get_resolver
from django.utils import translation
from django.utils.regex_helper import normalize

from tests.trust._personal import staff_user
from tests.trust.test_rate_limits import SAMPLE_VALUES, _patterns
from tests.walks.conftest import _fresh_limits_and_media, finding_feature, make_walk  # noqa: F401
from walks import join_codes
from walks.models import JOIN_CODE_ALPHABET, SafetyWalk, WalkFinding, new_join_code

SIGNED_IN_ROUTES = {
    "walks:manage",
    "walks:close",
    "walks:summary",
    "walks:export",
    "walkplan:plan",
    "walkplan:print",
}
# The one public use of a closed walk's code: its results page (a read).
PUBLIC_RESULTS_ROUTES = {"walkplan:results"}
# API routes for staff only (session): 403 without one, whatever the walk.
SIGNED_IN_API_ROUTES = {"walkplan_api:walk-plan"}


def code_routes(code: str) -> dict[str, str]:
    """Example path -> view name of every URL pattern with a `code` parameter (both languages),
    the code filled in."""
    found = {}
    for language in ("sv", "en"):
        with translation.override(language):
            for regex, name in _patterns(get_resolver()):
                if "(?P<code>" not in regex:
                    continue
                for template, params in normalize(regex):
                    choices = [
                        (code,) if p == "code" else (*SAMPLE_VALUES, "geojson") for p in params
                    ]
                    for values in itertools.product(*choices):
                        path = template % dict(zip(params, values, strict=True))
                        if re.fullmatch(regex, path):
                            found["/" + path] = name
                            break
                    else:
                        continue
                    break
    return found


def test_new_codes_have_60_bits_from_an_unambiguous_alphabet():
    codes = {new_join_code() for _ in range(200)}
    assert len(codes) == 200
    assert not set(JOIN_CODE_ALPHABET) & set("01OI")
    for code in codes:
        assert set(code) <= set(JOIN_CODE_ALPHABET)
        assert len(code) * math.log2(len(JOIN_CODE_ALPHABET)) >= 60


def test_a_new_walks_code_opens_its_app_and_an_old_short_code_still_works(demo):
    walk = make_walk(demo)
    assert len(walk.join_code) == 12
    assert Client().get(f"/w/{walk.join_code}").status_code == 200
    assert Client().get(f"/w/{walk.join_code.lower()}").status_code == 200
    old = make_walk(demo, join_code="ABC234")
    assert Client().get(f"/w/{old.join_code}").status_code == 200
    assert Client().get(f"/api/walks/{old.join_code}/").status_code == 200


def _closed_walk(demo) -> SafetyWalk:
    walk = make_walk(demo)
    point = walk.route.interpolate_normalized(0.5).transform(4326, clone=True)
    feature = finding_feature(point.x, point.y)
    url = f"/api/walks/{walk.join_code}/findings/"
    assert Client().post(url, feature, content_type="application/json").status_code == 201
    walk.status = SafetyWalk.Status.CLOSED
    walk.save()
    walk.stored_finding = feature["properties"]["client_uuid"]
    return walk


def test_a_closed_walks_code_answers_404_on_every_route(demo):
    walk = _closed_walk(demo)
    finding = WalkFinding.objects.get(walk=walk)
    routes = code_routes(walk.join_code)
    names = set(routes.values())
    assert {"walks:app", "walks_api:walk-detail", "walks_api:finding-list"} <= names
    anonymous = Client()
    answered = []
    for path, name in routes.items():
        path = path.replace("00000000-0000-0000-0000-000000000000", str(finding.client_uuid))
        if name in SIGNED_IN_ROUTES:
            answer = anonymous.post(path) if name == "walks:close" else anonymous.get(path)
            assert answer.status_code == 302 and "/login/" in answer["Location"], path
            continue
        if name in SIGNED_IN_API_ROUTES:
            assert anonymous.get(path).status_code == 403, path
            continue
        if name in PUBLIC_RESULTS_ROUTES:
            assert anonymous.get(path).status_code == 200, path
            assert anonymous.post(path).status_code == 405, path
            continue
        device = {"HTTP_X_TRYGG_DEVICE": str(uuid.uuid4())}
        for method in ("GET", "POST", "PATCH", "DELETE"):
            if name == "walks_api:finding-photos":  # takes multipart only
                answer = anonymous.post(path, {"client_uuid": str(uuid.uuid4())}, **device)
            else:
                answer = anonymous.generic(method, path, "{}", "application/json", **device)
            if answer.status_code not in (404, 405, 410):
                answered.append((method, path, answer.status_code))
    assert not answered, f"a closed walk's code still answers: {answered}"
    # Even a replay of a finding the walk stored answers nothing now.
    replay = finding_feature(0, 0, client_uuid=walk.stored_finding)
    url = f"/api/walks/{walk.join_code}/findings/"
    assert anonymous.post(url, replay, content_type="application/json").status_code == 404


def test_leaders_keep_the_closed_walk_without_a_join_sheet(demo):
    walk = _closed_walk(demo)
    leader = Client()
    leader.force_login(staff_user("walk_leader"))
    for path, name in code_routes(walk.join_code).items():
        if name not in SIGNED_IN_ROUTES or name == "walks:close":
            continue
        assert leader.get(path).status_code == 200, path
    page = leader.get(f"/walks/{walk.join_code}/").content.decode()
    assert 'id="join-closed"' in page and "<svg" not in page and f"/w/{walk.join_code}" not in page
    open_walk = make_walk(demo)
    page = leader.get(f"/walks/{open_walk.join_code}/").content.decode()
    assert f"/w/{open_walk.join_code}" in page and "<svg" in page


def test_a_closed_walks_code_opens_its_public_results_only(demo):
    # The public results page of a closed walk (gis.walkplan) asks for public results; every
    # other use of the code (the app, the field API) does not, and answers 404.
    walk = _closed_walk(demo)
    assert join_codes.PUBLIC_RESULTS_OF_CLOSED_WALKS is True
    assert join_codes.answers_code(walk, public_results=True)
    assert not join_codes.answers_code(walk)
    assert join_codes.walk_by_code(walk.join_code, public_results=True) == walk
    with pytest.raises(Exception, match="No open walk"):
        join_codes.walk_by_code(walk.join_code)


def test_a_closed_walks_join_link_says_it_is_closed_and_takes_no_one(demo):
    walk = _closed_walk(demo)
    walk.title = "<b>Kvällsvandring</b>"
    walk.save()
    participants = walk.participants.count()
    for path, language in ((f"/w/{walk.join_code}", "sv"), (f"/en/w/{walk.join_code}", "en")):
        answer = Client().get(path)
        page = answer.content.decode()
        assert answer.status_code == 410, path
        assert 'id="walk-closed"' in page and "&lt;b&gt;Kvällsvandring&lt;/b&gt;" in page
        assert ("Vandringen är avslutad" if language == "sv" else "The walk is closed") in page
        assert "/api/walks/" not in page and "wa-join" not in page  # no app, no join form
    join = f"/api/walks/{walk.join_code}/join/"
    body = {"device_token": str(uuid.uuid4()), "role": "resident"}
    assert Client().post(join, body, content_type="application/json").status_code == 404
    assert walk.participants.count() == participants
    assert Client().get("/w/ZZZZZZZZZZZZ").status_code == 404  # unknown: no page
