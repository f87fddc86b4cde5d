"""Logins: the per-account limit of failed logins (gis.login_limits) holds an attacker who
rotates addresses, leaves other accounts alone and expires by itself; `next` never sends anyone
off the site or back to a login or logout page (gis.redirects), so no redirect loops."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client

from gis import login_limits

PASSWORD = "a-long-correct-password"


@pytest.fixture(autouse=True)
def _fresh_counters(settings):
    cache.clear()
    settings.TRYGG_LOGIN_ACCOUNT_FAILURES = 10
    settings.TRYGG_LOGIN_ACCOUNT_WINDOW = 900
    yield
    cache.clear()


@pytest.fixture
def clock(monkeypatch):
    """The limit's clock, moved by the test (no sleeping)."""
    moment = {"now": 2_000_000_000.0}
    monkeypatch.setattr(login_limits, "now", lambda: moment["now"])
    return moment


@pytest.fixture
def staff(db):
    return User.objects.create_user("kommun-anna", password=PASSWORD, is_staff=True)


def login(username: str, password: str, address: str, path: str = "/login/"):
    client = Client(REMOTE_ADDR=address)
    return client.post(path, {"username": username, "password": password}), client


def test_rotating_addresses_are_held_by_the_account_limit(staff, clock):
    for i in range(10):
        response, _client = login("kommun-anna", f"guess-{i}", f"198.51.100.{i + 1}")
        assert response.status_code == 200  # the form again, with its error
    # The eleventh try, from yet another address and even with the right password: refused.
    refused, client = login("Kommun-Anna ", PASSWORD, "203.0.113.50")
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 900 and refused["Cache-Control"] == "no-store"
    page = refused.content.decode()
    assert "Too many failed logins" in page or "För många misslyckade" in page
    assert "_auth_user_id" not in client.session
    # The admin's login form is held the same way.
    admin, _client = login("kommun-anna", PASSWORD, "203.0.113.51", "/admin/login/")
    assert admin.status_code == 429 and admin["Retry-After"]


def test_another_username_is_not_affected(staff, clock):
    User.objects.create_user("kommun-bo", password=PASSWORD, is_staff=True)
    for i in range(12):
        login("kommun-anna", f"guess-{i}", f"198.51.100.{i + 1}")
    response, client = login("kommun-bo", PASSWORD, "198.51.100.200")
    assert response.status_code == 302 and client.session["_auth_user_id"]


def test_the_real_user_logs_in_after_the_window(staff, clock):
    for i in range(10):
        login("kommun-anna", f"guess-{i}", f"198.51.100.{i + 1}")
    clock["now"] += 600
    assert login("kommun-anna", PASSWORD, "192.0.2.9")[0].status_code == 429
    clock["now"] += 301  # the window counts from the first failure: 901 s later it is over
    response, client = login("kommun-anna", PASSWORD, "192.0.2.9")
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(staff.pk)


def test_successes_do_not_count_and_refusals_do_not_extend_the_window(staff, clock):
    for _ in range(15):
        assert login("kommun-anna", PASSWORD, "192.0.2.1")[0].status_code == 302
    for i in range(9):
        login("kommun-anna", f"guess-{i}", "192.0.2.2")
    assert login("kommun-anna", PASSWORD, "192.0.2.3")[0].status_code == 302  # 9 < 10
    login("kommun-anna", "guess-9", "192.0.2.2")
    for _ in range(5):  # refused tries while limited add nothing
        clock["now"] += 100
        assert login("kommun-anna", "x", "192.0.2.4")[0].status_code == 429
    clock["now"] += 401
    assert login("kommun-anna", PASSWORD, "192.0.2.3")[0].status_code == 302


def test_the_cache_holds_no_username(staff, clock):
    login("kommun-anna", "wrong", "192.0.2.1")
    keys = list(cache._cache.keys()) if hasattr(cache, "_cache") else []
    assert keys and not any("kommun-anna" in str(key) for key in keys)


# --- next: no loops, no other sites ---------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "/login/",
        "/en/login/",
        "/login",
        "/admin/login/",
        "/logout/",
        "/en/logout/",
        "//evil.example",
        "https://evil.example",
        "https://evil.example/login/",
        "javascript:alert(1)",
        "/%6Cogin/",
    ],
)
@pytest.mark.parametrize("page", ["/login/", "/en/login/"])
def test_a_signed_in_user_on_the_login_page_goes_to_the_map(staff, page, target):
    client = Client()
    client.force_login(staff)
    response = client.get(f"{page}?next={quote(target, safe='')}")
    assert response.status_code == 302, response.status_code
    location = urlsplit(response["Location"])
    assert not location.netloc and location.path in ("/dashboard/", "/en/dashboard/")


@pytest.mark.parametrize(
    "target", ["/login/", "/en/login/", "//evil.example", "https://evil.example", "javascript:x"]
)
def test_logging_in_or_out_never_follows_a_bad_next(staff, target):
    response, client = login("kommun-anna", PASSWORD, "192.0.2.1", f"/login/?next={quote(target)}")
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == "/dashboard/"
    assert not urlsplit(response["Location"]).netloc
    out = client.post("/logout/", {"next": target})
    assert out.status_code == 302 and urlsplit(out["Location"]).path == "/login/"
    assert not urlsplit(out["Location"]).netloc


def test_a_safe_next_is_followed(staff):
    response, _client = login(
        "kommun-anna", PASSWORD, "192.0.2.1", "/login/?next=/dashboard/lagesbild/"
    )
    assert response.status_code == 302 and response["Location"] == "/dashboard/lagesbild/"
    client = Client()
    client.force_login(staff)
    again = client.get("/login/?next=/fixes/")
    assert again.status_code == 302 and again["Location"] == "/fixes/"
    page = Client().get("/login/?next=/login/").content.decode()
    assert 'name="next" value=""' in page
