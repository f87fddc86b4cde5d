"""The import page of the back office (inside the language prefix)."""

from django.urls import path

from layers import import_views as views

app_name = "imports"

urlpatterns = [
    path("import/", views.upload, name="upload"),
    path("import/batches/", views.batch_list, name="batches"),
    path("import/batches/<int:pk>/undo/", views.batch_undo, name="undo"),
    path("import/<int:pk>/", views.job_page, name="job"),
    path("import/<int:pk>/status/", views.job_status, name="status"),
]
