"""Dashboard pages and the staff login (inside the language prefix)."""

from django.urls import include, path

from gis.dashboard import views

pages = [
    path("", views.map_page, name="map"),
    path("lagesbild/", views.situation_page, name="situation"),
    path("lagesbild.csv", views.situation_csv, name="situation-csv"),
    path("lagesbild.geojson", views.situation_geojson, name="situation-geojson"),
    path("lagesbild/karta.png", views.situation_map, name="situation-map"),
]

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("dashboard/", include((pages, "dashboard"))),
]
