"""Back-office bookmarks of models that moved to another app still lead to their pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gis.urls import MOVED_ADMIN_PAGES


@pytest.mark.parametrize(("old", "model", "new"), [(*k, v) for k, v in MOVED_ADMIN_PAGES.items()])
@pytest.mark.parametrize("prefix", ["", "/en"])
def test_old_admin_address_redirects_to_the_moved_model(client, old, model, new, prefix):
    response = client.get(f"{prefix}/admin/{old}/{model}/7/change/?_changelist_filters=q%3D1")
    assert response.status_code == 301
    assert response["Location"] == (
        f"{prefix}/admin/{new}/{model}/7/change/?_changelist_filters=q%3D1"
    )
    # The target is a real admin route of the moved model.
    assert reverse(f"admin:{new}_{model}_changelist").endswith(f"/admin/{new}/{model}/")


def test_other_admin_pages_are_not_redirected(client):
    response = client.get("/admin/walks/residentpin/")
    assert response.status_code == 302  # to the login page, as before
    assert "/login/" in response["Location"]
