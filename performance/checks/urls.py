from django.urls import path  # noqa: F401

from . import batch_views, overview_views

app_name = "checks"

urlpatterns = [
    path("", batch_views.batches, name="batches"),
    path("draw/", batch_views.draw, name="draw"),
    path("batch/<int:pk>/", batch_views.batch, name="batch"),
    path("batch/<int:pk>/export.xlsx", batch_views.batch_export, name="batch_export"),
    path("overview/", overview_views.overview, name="overview"),
    path("overview/export.xlsx", overview_views.overview_export, name="overview_export"),
]
