"""The back office's partners: "Create key" shows a new key once and stores only its digest,
adding a key by the form does the same, "Revoke" ends keys, and the use log is read only."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from gis.core.partners import Partner, PartnerKey, PartnerKeyUse, authenticate_key

pytestmark = pytest.mark.django_db
KEY = re.compile(r"trygg_[A-Za-z0-9_-]{40,}")


@pytest.fixture
def coordinator(client, demo):
    user = User.objects.create_user("partner-admin-coordinator", is_staff=True)
    user.groups.add(Group.objects.get(name="coordinator"))
    demo.staff.add(user)
    client.force_login(user)
    return client


@pytest.fixture
def police(demo) -> Partner:
    return Partner.objects.create(municipality=demo, name="Polisen Admin", kind="police")


def test_create_key_shows_the_key_once_and_stores_its_digest(coordinator, police):
    answer = coordinator.post(
        reverse("admin:core_partner_changelist"),
        {"action": "create_key", "_selected_action": [police.pk]},
        follow=True,
    )
    page = answer.content.decode()
    (plain,) = set(KEY.findall(page))
    key = authenticate_key(plain)
    assert key is not None and key.partner == police and key.scopes == ["incidents"]
    assert plain not in key.prefix + key.digest
    again = coordinator.get(reverse("admin:core_partner_change", args=[police.pk]))
    assert plain not in again.content.decode() and key.prefix in again.content.decode()


def test_adding_a_key_by_the_form_shows_it_once(coordinator, police):
    answer = coordinator.post(
        reverse("admin:core_partnerkey_add"),
        {
            "partner": police.pk,
            "label": "Larmcentralen",
            "scopes": ["requests"],
            "rate_per_hour": 60,
            "expires_at_0": "",
            "expires_at_1": "",
        },
        follow=True,
    )
    (plain,) = set(KEY.findall(answer.content.decode()))
    key = authenticate_key(plain)
    assert key.label == "Larmcentralen" and key.scopes == ["requests"] and key.rate_per_hour == 60
    assert PartnerKey.objects.filter(partner=police).count() == 1


def test_revoke_ends_the_chosen_keys(coordinator, police):
    key, plain = PartnerKey.issue(police)
    coordinator.post(
        reverse("admin:core_partnerkey_changelist"),
        {"action": "revoke", "_selected_action": [key.pk]},
    )
    assert authenticate_key(plain) is None


def test_the_use_log_is_read_only(coordinator, police):
    key, _plain = PartnerKey.issue(police)
    use = PartnerKeyUse.objects.create(key=key, method="POST", path="/x", status=200)
    assert coordinator.get(reverse("admin:core_partnerkeyuse_changelist")).status_code == 200
    assert coordinator.get(reverse("admin:core_partnerkeyuse_add")).status_code == 403
    delete = reverse("admin:core_partnerkeyuse_delete", args=[use.pk])
    assert coordinator.post(delete, {"post": "yes"}).status_code == 403
    assert PartnerKeyUse.objects.filter(pk=use.pk).exists()
