"""Tenancy in the back office: every list filter and every select of every registered admin
(add and change forms, their inlines) offers only the viewer's municipalities' records and
staff, never another municipality's names and never a superuser; categories are shared and
changed by superusers only, with a hex colour; the analysis raster is never uploaded."""

from __future__ import annotations

import re
import uuid
from html import unescape

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.options import InlineModelAdmin
from django.contrib.auth.models import Permission, User
from django.contrib.gis.geos import MultiPolygon
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from gis.core.mapadmin import ScopedChoices
from gis.hotspots.models import AnalysisRun
from layers.models import District
from walks.models import Category, SafetyWalk

from ._permission_world import _second_municipality, _user

SELECT = re.compile(r"<select\b.*?</select>", re.S)
FILTERS = re.compile(r'<nav id="changelist-filter".*?</nav>', re.S)
OTHER_DISTRICT = "Annandistriktet"


@pytest.fixture
def other(demo):
    """A second municipality B with a district, a walk, a pin, a fix, its own coordinator and a
    run it made; a superuser who is also on the demo's staff. Returns B's names."""
    there, walk, _pin, fix = _second_municipality(demo)
    square = there.boundary[0]
    district = District.objects.create(
        municipality=there, name=OTHER_DISTRICT, geom=MultiPolygon(square, srid=settings.TRYGG_SRID)
    )
    walk.district = district
    walk.save(update_fields=["district"])
    theirs = _user("tenancy-other-coordinator", "coordinator", municipality=there)
    AnalysisRun.objects.create(municipality=there, kind="heatmap", created_by=theirs)
    fix.status_changed_by = theirs
    fix.save(update_fields=["status_changed_by"])
    boss = _user("tenancy-superuser", municipality=demo, superuser=True)
    AnalysisRun.objects.create(municipality=demo, kind="heatmap", created_by=boss)
    return {
        "municipality": there.name,
        "code": there.code,
        "district": OTHER_DISTRICT,
        "walk": walk.title,
        "street": fix.segment.name,
        "users": {
            theirs.username,
            *User.objects.filter(is_superuser=True).values_list("username", flat=True),
        },
    }


def _offered(html: str) -> str:
    """The text of every select and of the list-filter sidebar of a page."""
    return unescape("\n".join(SELECT.findall(html) + FILTERS.findall(html)))


def _pages(model, model_admin, demo) -> list[str]:
    """The changelist, add page and the change page of one of the demo's records."""
    prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    pages = [reverse(f"{prefix}_changelist"), reverse(f"{prefix}_add")]
    record = model_admin.get_queryset(_Request(demo)).order_by("pk").first()
    if record is not None:
        pages.append(reverse(f"{prefix}_change", args=[record.pk]))
    return pages


class _Request:
    """Enough of a request for `get_queryset`: a superuser sees every demo record."""

    def __init__(self, demo) -> None:
        self.user = User(is_superuser=True)


def _leaks(page: str, names: dict) -> list[str]:
    text = _offered(page)
    words = [names[k] for k in ("municipality", "code", "district", "walk", "street")]
    found = [word for word in words if word and word in text]
    found += [user for user in names["users"] if re.search(rf"\b{re.escape(user)}\b", text)]
    return found


@pytest.mark.parametrize("viewer", ["coordinator", "every_permission"])
def test_no_filter_or_select_offers_another_municipality(client, demo, other, viewer):
    if viewer == "coordinator":
        user = _user("tenancy-coordinator", "coordinator", municipality=demo)
    else:  # a staff member of the demo allowed everything, not a superuser: every form renders
        user = _user("tenancy-everything", municipality=demo)
        user.user_permissions.set(Permission.objects.all())
    client.force_login(user)
    opened, leaks = 0, {}
    for model, model_admin in admin.site._registry.items():
        for url in _pages(model, model_admin, demo):
            response = client.get(url)
            assert response.status_code in (200, 302, 403), (url, response.status_code)
            if response.status_code == 200:
                opened += 1
                found = _leaks(response.content.decode(), other)
                if found:
                    leaks[url] = found
    assert opened > 20
    assert not leaks, leaks


def test_filters_still_offer_the_viewers_own_records(client, demo, other):
    user = _user("tenancy-own", "coordinator", municipality=demo)
    client.force_login(user)
    walk = SafetyWalk.objects.create(
        municipality=demo,
        title="Egen vandring",
        starts_at=timezone.now(),
        district=District.objects.filter(municipality=demo).order_by("pk")[0],
    )
    page = client.get(reverse("admin:walks_safetywalk_changelist")).content.decode()
    assert walk.district.name in _offered(page)
    add = client.get(reverse("admin:walks_safetywalk_add")).content.decode()
    assert user.username in _offered(add)  # the walk's leader: a staff member of the demo
    assert OTHER_DISTRICT not in _offered(add)


def test_a_choice_of_another_municipality_is_refused(client, demo, other):
    user = _user("tenancy-forger", "coordinator", municipality=demo)
    client.force_login(user)
    district = District.objects.get(name=OTHER_DISTRICT)
    response = client.post(
        reverse("admin:walks_safetywalk_add"),
        {
            "municipality": demo.pk,
            "title": "Forged",
            "district": district.pk,
            "starts_at_0": "2030-01-01",
            "starts_at_1": "18:00",
            "time_of_day": "evening",
            "status": "planned",
        },
    )
    assert response.status_code == 200  # the form again, with an error
    assert "district" in response.context["adminform"].form.errors
    assert not SafetyWalk.objects.filter(title="Forged").exists()


def test_every_admin_and_inline_scopes_its_choices():
    for model_admin in admin.site._registry.values():
        if model_admin.model._meta.app_label == "auth":
            continue  # Django's user and group admins: superusers only (the permission matrix)
        assert isinstance(model_admin, ScopedChoices), type(model_admin)
        for inline in model_admin.inlines:
            assert issubclass(inline, ScopedChoices), inline
            assert issubclass(inline, InlineModelAdmin)


# --- categories --------------------------------------------------------------------------------


def _category_form(**changes) -> dict:
    form = {
        "code": f"c-{uuid.uuid4().hex[:8]}",
        "name_sv": "Prov",
        "name_en": "Test",
        "owner": "street",
        "duplicate_radius_m": "40",
        "colour": "#123456",
        "order": "50",
    }
    form.update(changes)
    return form


def test_a_coordinator_reads_but_cannot_change_categories(client, demo):
    client.force_login(_user("tenancy-cat-coordinator", "coordinator", municipality=demo))
    category = Category.objects.get(code="lighting")
    change = reverse("admin:walks_category_change", args=[category.pk])
    assert client.get(reverse("admin:walks_category_changelist")).status_code == 200
    assert client.get(change).status_code == 200  # view only
    renamed = client.post(change, _category_form(code="lighting", name_sv="Omdöpt"))
    assert renamed.status_code == 403
    added = client.post(reverse("admin:walks_category_add"), _category_form())
    assert added.status_code == 403
    deleted = client.post(
        reverse("admin:walks_category_delete", args=[category.pk]), {"post": "yes"}
    )
    assert deleted.status_code == 403
    category.refresh_from_db()
    assert category.name_sv != "Omdöpt"
    user = User.objects.get(username="tenancy-cat-coordinator")
    assert not user.has_perm("walks.change_category")
    assert user.has_perm("walks.view_category")


def test_a_superuser_changes_a_category(client, demo):
    client.force_login(_user("tenancy-cat-boss", superuser=True))
    category = Category.objects.get(code="lighting")
    form = _category_form(code="lighting", name_sv="Belysning ny", colour="#f80")
    response = client.post(reverse("admin:walks_category_change", args=[category.pk]), form)
    assert response.status_code == 302
    category.refresh_from_db()
    assert (category.name_sv, category.colour) == ("Belysning ny", "#f80")


@pytest.mark.parametrize("colour", ['"><b>x', "red", "#12345", "#1234567", "#ggg", "123456"])
def test_a_colour_that_is_no_hex_colour_is_refused_naming_colour(client, demo, colour):
    with pytest.raises(ValidationError) as refused:
        Category(code="x", name_sv="x", name_en="x", owner="street", colour=colour).full_clean()
    assert list(refused.value.message_dict) == ["colour"]
    client.force_login(_user("tenancy-cat-colour", superuser=True))
    response = client.post(reverse("admin:walks_category_add"), _category_form(colour=colour))
    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["colour"]


# --- rasters -------------------------------------------------------------------------------------


def test_no_admin_form_takes_a_file_upload(client, demo):
    """The analysis COG is Trygg's own file: read-only on the run's add and change pages; and
    no admin page, of any model, has a file input (photos are Trygg's own re-encoded files)."""
    client.force_login(_user("tenancy-raster-boss", superuser=True))
    AnalysisRun.objects.create(municipality=demo, kind="heatmap", raster="analysis/old.tif")
    opened = set()
    for model, model_admin in admin.site._registry.items():
        for url in _pages(model, model_admin, demo)[1:]:
            response = client.get(url)
            assert response.status_code in (200, 403), url  # the access log is never added
            assert 'type="file"' not in response.content.decode(), url
            opened.add(model._meta.label)
    assert "hotspots.AnalysisRun" in opened
    run_page = client.get(reverse("admin:hotspots_analysisrun_add")).content.decode()
    assert 'name="raster"' not in run_page
