"""Pages of notices (inside the language prefix), with translated paths:
/meddelanden/avsluta/<token>/ in Swedish, /en/notices/unsubscribe/<token>/ in English."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from gis.notices import views

app_name = "notices"

urlpatterns = [
    path(_("notices/unsubscribe/<str:token>/"), views.unsubscribe_page, name="unsubscribe"),
    path(_("notices/follow/<int:pk>/"), views.follow, name="follow"),
    path(_("notices/personal-data/"), views.personal_data_page, name="personal-data"),
]
