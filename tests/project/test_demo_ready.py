"""`trygg demo` ends ready to look at: analyses stored, the work list ranked 1..N, a login per
role printed, and an open walk whose link and QR code are printed."""

from __future__ import annotations

import re

import pytest
import qrcode
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from gis.core.roles import ROLES
from gis.demo.accounts import demo_username
from gis.demo.analyse import analysed
from gis.demo.open_walk import TITLE, terminal_qr
from gis.demo.plan import PLANTED
from gis.fixes.models import Fix
from gis.hotspots.models import AnalysisRun
from walks.models import SafetyWalk

LOGIN_LINE = re.compile(r"^  (?P<role>\w+) +(?P<username>demo-\w+) +(?P<password>[a-z0-9-]+)$")
QR_CHARS = frozenset("█▀▄\xa0")


def printed_logins(output: str) -> dict[str, tuple[str, str]]:
    """Role -> (user name, password) from the printed table of logins."""
    found = {}
    for line in output.splitlines():
        match = LOGIN_LINE.match(line)
        if match:
            found[match["role"]] = (match["username"], match["password"])
    return found


def printed_qr(output: str) -> list[str]:
    """The lines of the printed QR code."""
    return [line for line in output.splitlines() if line and set(line) <= QR_CHARS]


def modules(lines: list[str]) -> list[list[bool]]:
    """The printed QR code back as rows of modules (True: dark). The code is printed for a dark
    terminal: a dark module is left blank, a light one printed, two rows a character."""
    halves = {"█": (False, False), "▀": (False, True), "▄": (True, False), "\xa0": (True, True)}
    rows: list[list[bool]] = []
    for line in lines:
        top, bottom = zip(*(halves[c] for c in line), strict=True)
        rows += [list(top), list(bottom)]
    return rows


@pytest.fixture
def done(demo_run, db):
    return demo_run


def test_the_analyses_are_stored_with_the_ranking_last(done, demo):
    runs = AnalysisRun.objects.filter(municipality=demo).order_by("created_at", "pk")
    kinds = list(runs.values_list("kind", flat=True))
    assert kinds == ["heatmap", "gistar", "emerging", "prioritise"]
    assert analysed(demo)
    heatmap = runs.get(kind="heatmap")
    assert heatmap.raster and heatmap.summary["n_reports"] > 4000
    emerging = runs.get(kind="emerging").summary["categories"]
    # The parameters under which the planted places show their categories.
    assert {plan.expected for plan in PLANTED} <= set(emerging)
    assert "demo analysed in" in done.output


def test_the_work_list_is_ranked_one_to_n_and_every_fix_comes_from_the_ranking(done, demo):
    ranking = AnalysisRun.objects.get(municipality=demo, kind="prioritise")
    fixes = Fix.objects.filter(municipality=demo)
    ranks = sorted(fixes.exclude(rank=None).values_list("rank", flat=True))
    assert len(ranks) == ranking.summary["fixes"] > 1500
    assert ranks == list(range(1, len(ranks) + 1))
    assert set(fixes.exclude(rank=None).values_list("run", flat=True)) == {ranking.pk}
    # Out of today's ranking: the dark path's done lamp repair only, with its own score.
    (unranked,) = fixes.filter(rank=None)
    assert unranked.status == Fix.Status.DONE and unranked.score > 1
    assert not fixes.filter(rank=0).exists()


def test_the_work_list_page_opens_on_rank_one(done, demo, client):
    username, password = printed_logins(done.output)["planner"]
    assert client.login(username=username, password=password)
    page = client.get(reverse("fixes:list")).content.decode()
    assert "No ranking has been computed yet" not in page
    assert "Ingen rangordning" not in page
    first = re.search(r'<tr data-fix="\d+"[^>]*>\s*<td class="num">([^<]+)</td>', page)
    assert first and first.group(1) == "1"


def test_every_role_logs_in_with_what_was_printed(done, demo):
    logins = printed_logins(done.output)
    assert set(logins) == set(ROLES)
    for role, (username, password) in logins.items():
        assert username == demo_username(role)
        client = Client()
        answer = client.post(reverse("login"), {"username": username, "password": password})
        assert answer.status_code == 302, role
        user = User.objects.get(username=username)
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert user.is_staff and not user.is_superuser
        assert demo.staff.filter(pk=user.pk).exists()
    # The dashboard roles land on the map, the partner too.
    client = Client()
    client.login(username=logins["partner"][0], password=logins["partner"][1])
    assert client.get(reverse("dashboard:map")).status_code == 200
    assert client.get(reverse("dashboard:situation")).status_code == 200


def test_the_logins_are_printed_before_the_server_starts(done):
    output = done.output
    assert output.index("Log in at http://127.0.0.1:8000/login/") < output.index("demo-partner")
    assert "serving Trygg" not in output  # --no-serve: what the server would print comes after


def test_an_open_walk_is_ready_to_join_by_the_printed_link(done, demo):
    walk = SafetyWalk.objects.get(municipality=demo, title=TITLE)
    assert walk.status == SafetyWalk.Status.PLANNED
    assert walk.leader.username == demo_username("walk_leader") and walk.route is not None
    url = f"http://127.0.0.1:8000/w/{walk.join_code}"
    assert f"  {url}\n" in done.output
    app = Client().get(url.removeprefix("http://127.0.0.1:8000"))
    assert app.status_code == 200 and walk.join_code in app.content.decode()
    # The leader sees its join sheet.
    leader = Client()
    username, password = printed_logins(done.output)["walk_leader"]
    leader.login(username=username, password=password)
    sheet = leader.get(reverse("walks:manage", args=[walk.join_code])).content.decode()
    assert "<svg" in sheet and walk.join_code in sheet


def test_the_printed_qr_code_holds_the_join_link(done, demo):
    walk = SafetyWalk.objects.get(municipality=demo, title=TITLE)
    url = f"http://127.0.0.1:8000/w/{walk.join_code}"
    printed = modules(printed_qr(done.output))
    code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(url)
    code.make(fit=True)
    expected = code.get_matrix()
    assert printed[: len(expected)] == expected
    # The finder pattern in the top left corner: a dark 7 x 7 ring, light inside it, dark 3 x 3.
    ring = [printed[2][2 + i] for i in range(7)] + [printed[2 + i][2] for i in range(7)]
    assert all(ring) and not printed[3][3] and printed[5][5]


def test_a_second_start_reuses_the_analyses_and_the_walk_with_new_passwords(done, demo):
    before = printed_logins(done.output)
    walk = SafetyWalk.objects.get(municipality=demo, title=TITLE)
    runs = AnalysisRun.objects.filter(municipality=demo).count()
    from io import StringIO

    again = StringIO()
    call_command("demo", "--no-serve", stdout=again)
    assert "demo analysed" not in again.getvalue()
    assert AnalysisRun.objects.filter(municipality=demo).count() == runs
    assert f"/w/{walk.join_code}" in again.getvalue()
    after = printed_logins(again.getvalue())
    assert set(after) == set(before)
    assert all(after[role][1] != before[role][1] for role in before)
    stale = Client()
    assert not stale.login(username=before["planner"][0], password=before["planner"][1])


def test_a_closed_open_walk_is_replaced(done, demo):
    walk = SafetyWalk.objects.get(municipality=demo, title=TITLE)
    SafetyWalk.objects.filter(pk=walk.pk).update(status=SafetyWalk.Status.CLOSED)
    from io import StringIO

    again = StringIO()
    call_command("demo", "--no-serve", stdout=again)
    fresh = SafetyWalk.objects.get(municipality=demo, title=TITLE, status="planned")
    assert fresh.pk != walk.pk and f"/w/{fresh.join_code}" in again.getvalue()


@pytest.mark.parametrize(
    ("addr", "hosts", "expected"),
    [
        ("127.0.0.1:8000", ["127.0.0.1", "localhost"], "http://127.0.0.1:8000"),
        ("8001", ["127.0.0.1"], "http://127.0.0.1:8001"),
        ("0.0.0.0:8000", ["127.0.0.1", "localhost", "192.168.1.20"], "http://192.168.1.20:8000"),
        ("0.0.0.0:8000", ["localhost", ".example.se"], "http://127.0.0.1:8000"),
        ("[::]:8000", ["trygg.local"], "http://trygg.local:8000"),
    ],
)
def test_the_printed_address_is_one_a_phone_can_open(addr, hosts, expected):
    from gis.demo.banner import base_url

    assert base_url(addr, hosts) == expected


def test_the_terminal_qr_code_is_blocks_only():
    lines = terminal_qr("http://127.0.0.1:8000/w/ABCDEFGHJKLM").splitlines()
    assert len(lines) > 10 and all(set(line) <= QR_CHARS for line in lines)
    assert len({len(line) for line in lines}) == 1
