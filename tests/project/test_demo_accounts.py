"""The demo accounts: one per role, made only by the demo command, refused in production."""

from __future__ import annotations

import json
import os
import secrets

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings
from django.urls import reverse

from gis.core.roles import ROLES
from gis.dashboard import access
from gis.demo.accounts import (
    DEMO_USERNAMES,
    REFUSED,
    DemoAccountsRefusedError,
    ensure_demo_accounts,
    ensure_demo_partner,
    is_demo_username,
    refuses_demo_accounts,
)
from tests._cli import trygg

PROBE = (
    "import json; from django.conf import settings; "
    "print(json.dumps(settings.AUTHENTICATION_BACKENDS))"
)


def production_env() -> dict[str, str]:
    """The production settings (nothing here connects to a database)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRYGG_", "DJANGO_"))}
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "gis.settings.production",
        "DATABASE_URL": "postgis://nobody@127.0.0.1:9/nothing",
        "TRYGG_SECRET_KEY": secrets.token_urlsafe(64),
    }


@pytest.fixture(scope="module")
def production_backends() -> list[str]:
    """The login backends of the production settings, read by a process that runs them."""
    result = trygg("shell", "-c", PROBE, env=production_env())
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_demo_settings_and_the_tests_accept_them():
    assert not refuses_demo_accounts()


def test_names_are_compared_as_typed_in_any_case():
    assert is_demo_username("Demo-Planner ") and not is_demo_username("planner")
    assert not is_demo_username(None) and len(DEMO_USERNAMES) == len(ROLES)


def test_one_account_per_role_with_a_fresh_password_each_time(demo):
    first = ensure_demo_accounts(demo)
    assert [x.role for x in first] == list(ROLES)
    second = ensure_demo_accounts(demo)
    assert User.objects.filter(username__in=DEMO_USERNAMES).count() == len(ROLES)
    for old, new in zip(first, second, strict=True):
        assert old.username == new.username and old.password != new.password
        assert authenticate(username=new.username, password=new.password) is not None
        assert authenticate(username=old.username, password=old.password) is None


def test_the_partner_reads_the_dashboard_and_changes_nothing(demo):
    (partner,) = [x for x in ensure_demo_accounts(demo) if x.role == "partner"]
    user = User.objects.get(username=partner.username)
    assert access.can_view(user) and not access.can_see_contacts(user)
    assert not access.can_triage(user)
    codes = set(Group.objects.get(name="partner").permissions.values_list("codename", flat=True))
    # Views only, and logging its own teams' presence visits (the view checks whose team).
    assert codes and all(code.startswith("view_") for code in codes - {"log_visit"})
    assert "log_visit" in codes
    assert not any(code.startswith(("add_", "change_", "delete_")) for code in codes)
    assert "view_contact_details" not in codes and "view_pincontact" not in codes


def test_the_demo_partner_reports_shifts_for_the_night_walkers(demo, client):
    (login,) = [x for x in ensure_demo_accounts(demo) if x.role == "partner"]
    partner = ensure_demo_partner(demo)
    assert ensure_demo_partner(demo) == partner  # once, however often the demo starts
    assert (partner.name, partner.kind, partner.municipality) == (
        "Nattvandrarna",
        "night_walkers",
        demo,
    )
    assert list(partner.members.values_list("username", flat=True)) == [login.username]
    assert client.login(username=login.username, password=login.password)
    assert client.get("/skiftrapport/").status_code == 200


def test_production_settings_refuse_the_demo_accounts(demo, production_backends):
    logins = {x.role: x for x in ensure_demo_accounts(demo)}
    planner = logins["planner"]
    staff = User.objects.create_user("real-planner", password=planner.password, is_staff=True)
    staff.groups.add(Group.objects.get(name="planner"))
    demo.staff.add(staff)
    signed_in = Client()
    signed_in.force_login(User.objects.get(username=planner.username))
    with override_settings(AUTHENTICATION_BACKENDS=production_backends):
        assert refuses_demo_accounts()
        assert authenticate(username=planner.username, password=planner.password) is None
        assert authenticate(username="real-planner", password=planner.password) == staff
        form = Client().post(
            reverse("login"), {"username": planner.username, "password": planner.password}
        )
        assert form.status_code == 200  # the form again, with its error
        # A session made before is not accepted either.
        assert signed_in.get(reverse("fixes:list")).status_code == 302
        home = Client().get("/").content.decode()
        assert planner.username not in home
        with pytest.raises(DemoAccountsRefusedError):
            ensure_demo_accounts(demo)
        with pytest.raises(CommandError, match="refuse the demo accounts"):
            call_command("demo", "--no-serve")
    assert signed_in.get(reverse("fixes:list")).status_code == 200


def test_trygg_demo_under_production_settings_stops_with_one_line():
    result = trygg("demo", "--no-serve", env=production_env())
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines == [f"CommandError: {REFUSED}"]


def test_the_start_page_names_the_demo_accounts_only_when_they_exist(client, demo):
    assert "demo-planner" not in client.get("/").content.decode()
    ensure_demo_accounts(demo)
    page = client.get("/").content.decode()
    assert "Demokonton, ett per roll: demo-coordinator, demo-planner" in page
    english = client.get("/en/").content.decode()
    assert "Demo accounts, one per role: demo-coordinator" in english
