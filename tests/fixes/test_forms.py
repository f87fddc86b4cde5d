"""The status form puts a change the workflow refuses on the field the refusal names."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from gis.fixes import workflow
from gis.fixes.forms import StatusForm
from gis.fixes.models import Fix
from tests.fixes.conftest import new_fix


def _refusal(fix: Fix, to_status: str, **kwargs) -> workflow.WorkflowError:
    with pytest.raises(workflow.WorkflowError) as caught:
        workflow.change_status(fix, to_status, **kwargs)
    return caught.value


@pytest.fixture
def fix(demo) -> Fix:
    return new_fix(demo)


def test_a_refusal_naming_a_form_field_is_put_on_that_field(fix):
    refusal = _refusal(fix, Fix.Status.REJECTED, note="  ")
    form = StatusForm({"to_status": "rejected"}, fix=fix)
    form.is_valid()
    form.errors.pop("note", None)  # the form's own check; the workflow's must show alone
    form.add_workflow_error(refusal)
    assert form.errors["note"] == [refusal.message]
    assert not form.non_field_errors()


def test_a_refusal_of_a_wrong_status_is_put_on_to_status(fix):
    refusal = _refusal(fix, Fix.Status.VERIFIED)
    form = StatusForm({"to_status": "planned"}, fix=fix)
    assert form.is_valid()
    form.add_workflow_error(refusal)
    assert form.errors["to_status"] == [refusal.message]
    assert "verified" in refusal.message


def test_a_refusal_of_an_argument_the_form_lacks_goes_above_the_form(fix):
    tomorrow = timezone.now() + dt.timedelta(days=1)
    refusal = _refusal(fix, Fix.Status.PLANNED, when=tomorrow)
    assert refusal.field == "when"
    form = StatusForm({"to_status": "planned"}, fix=fix)
    assert form.is_valid()
    form.add_workflow_error(refusal)
    assert form.non_field_errors() == [refusal.message]
    assert set(form.errors) == {"__all__"}


def test_an_error_without_a_field_goes_above_the_form(fix):
    form = StatusForm({"to_status": "planned"}, fix=fix)
    assert form.is_valid()
    form.add_workflow_error(ValueError("the database said no"))
    assert form.non_field_errors() == ["the database said no"]
