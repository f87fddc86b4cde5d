"""Pages of walk planning (inside the language prefix), with translated paths: the planning page
(/vandringar/<code>/planera/, /en/walks/<code>/plan/), the printable plan
(/vandringar/<code>/utskrift/, /en/walks/<code>/print/) and the public results of a closed walk
(/trygghetsvandringar/<code>/resultat/, /en/safety-walks/<code>/results/)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from gis.walkplan import views

app_name = "walkplan"

urlpatterns = [
    path(_("walks/<str:code>/plan/"), views.plan_page, name="plan"),
    path(_("walks/<str:code>/print/"), views.print_page, name="print"),
    path(_("safety-walks/<str:code>/results/"), views.results_page, name="results"),
]
