from django.urls import path  # noqa: F401

from . import overview_views

app_name = "checks"

urlpatterns = [
    path("overview/", overview_views.overview, name="overview"),
    path("overview/export.xlsx", overview_views.overview_export, name="overview_export"),
]
