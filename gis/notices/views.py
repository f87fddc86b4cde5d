"""Pages of notices: unsubscribing (a page and RFC 8058's one-click POST), following a report,
and the coordinator's personal-data requests (look-up, export, erasure; every use recorded)."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from gis.core.pages import signed_in_with
from gis.notices import personal_data
from gis.notices.forms import FollowForm, PersonalDataForm
from gis.notices.models import PersonalDataRequest, Subscription
from gis.notices.residents import subscribe, unsubscribe
from walks.models import ResidentPin

PERSONAL_DATA_PERMISSION = "notices.add_personaldatarequest"


@require_http_methods(["GET", "POST"])
def unsubscribe_page(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows what the subscription is and a button; POST ends it."""
    subscription = get_object_or_404(
        Subscription.objects.select_related("pin__category"), token=token
    )
    done = False
    if request.method == "POST":
        unsubscribe(subscription)
        done = True
    context = {"subscription": subscription, "done": done or not subscription.active}
    return render(request, "notices/unsubscribe.html", context)


@csrf_exempt  # mail clients post without a session (RFC 8058); the token is the credential
@require_POST
def one_click(request: HttpRequest, token: str) -> HttpResponse:
    """RFC 8058 one-click unsubscribe: POST `List-Unsubscribe=One-Click`, answered 200."""
    subscription = get_object_or_404(Subscription, token=token)
    unsubscribe(subscription)
    return HttpResponse("unsubscribed\n", content_type="text/plain; charset=utf-8")


@require_http_methods(["GET", "POST"])
def follow(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask to be told when a report changes: its reporter (from the tracking page, with its
    token) or a supporter. A confirmation is sent; each message has an unsubscribe link."""
    pin = get_object_or_404(ResidentPin.objects.select_related("category"), pk=pk)
    form = FollowForm(request.POST or None, initial={"token": request.GET.get("t", "")})
    if request.method == "POST":
        if form.is_valid():
            own = form.cleaned_data["token"] and form.cleaned_data["token"] == pin.tracking_token
            role = Subscription.Role.REPORTER if own else Subscription.Role.SUPPORTER
            subscribe(pin, form.cleaned_data["email"], role, get_language())
            return render(request, "notices/follow.html", {"pin": pin, "done": True})
        return render(request, "notices/follow.html", {"pin": pin, "form": form}, status=400)
    return render(request, "notices/follow.html", {"pin": pin, "form": form})


@require_http_methods(["GET", "POST"])
@signed_in_with(lambda user: user.has_perm(PERSONAL_DATA_PERMISSION))
def personal_data_page(request: HttpRequest) -> HttpResponse:
    """A coordinator's look-up, export and erasure of the personal data tied to an address.

    Every use that names an address is recorded (`PersonalDataRequest`, the address as a keyed
    hash) with who made it, as contact details' showings are logged (walks.contact_access).
    """
    form = PersonalDataForm(request.POST or None)
    context: dict = {"form": form}
    if request.method == "GET":
        return render(request, "notices/personal_data.html", context)
    if not form.is_valid():
        return render(request, "notices/personal_data.html", context, status=400)
    email, action = form.cleaned_data["email"], form.cleaned_data["action"]
    user = request.user
    if action == "export":
        body = json.dumps(personal_data.export(email, user=user), ensure_ascii=False, indent=2)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="personuppgifter.json"'
        response["Cache-Control"] = "no-store"
        return response
    if action == "erase" and form.cleaned_data["confirm"]:
        context["erased"] = personal_data.erase(email, user=user)
    else:
        found = personal_data.find(email)
        personal_data.record(
            PersonalDataRequest.Kind.LOOKUP, email, personal_data.counts_of(found), user=user
        )
        context["found"] = found
        context["email"] = email
        context["confirm_erase"] = action == "erase"
    response = render(request, "notices/personal_data.html", context)
    response["Cache-Control"] = "no-store"
    return response
