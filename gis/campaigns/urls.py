"""Digital walks' pages (inside the language prefix), with translated paths: the public answer
page /trygghetsvandring/<slug>/ (English /en/safety-walk/<slug>/) and its results
…/resultat/ (…/results/); the staff pages under /digitala-vandringar/ (/en/digital-walks/)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from gis.campaigns.views import pages

app_name = "campaigns"

urlpatterns = [
    path(_("safety-walk/<slug:slug>/"), pages.answer, name="answer"),
    path(_("safety-walk/<slug:slug>/results/"), pages.results, name="results"),
    path(_("digital-walks/"), pages.campaign_list, name="list"),
    path(_("digital-walks/<slug:slug>/"), pages.detail, name="detail"),
    path(_("digital-walks/<slug:slug>/poster/"), pages.poster, name="poster"),
    path(_("digital-walks/<slug:slug>/qr.svg"), pages.qr, name="qr"),
    path(_("digital-walks/<slug:slug>/export.<str:fmt>"), pages.export, name="export"),
]
