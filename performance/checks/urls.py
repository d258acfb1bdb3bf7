from django.urls import path  # noqa: F401

from . import batch_views, check_views, overview_views

app_name = "checks"

urlpatterns = [
    path("", batch_views.batches, name="batches"),
    path("draw/", batch_views.draw, name="draw"),
    path("batch/<int:pk>/", batch_views.batch, name="batch"),
    path("batch/<int:pk>/export.xlsx", batch_views.batch_export, name="batch_export"),
    path("overview/", overview_views.overview, name="overview"),
    path("overview/export.xlsx", overview_views.overview_export, name="overview_export"),
    path("project/<int:pk>/", check_views.check, name="check"),
    path("project/<int:pk>/save/", check_views.save, name="check_save"),
    path("project/<int:pk>/ask/", check_views.ask, name="check_ask"),
    path("project/<int:pk>/reopen/", check_views.reopen, name="check_reopen"),
    path("explanation/<int:pk>/", check_views.explanation, name="explanation"),
    path("explanation/<int:pk>/withdraw/", check_views.withdraw, name="explanation_withdraw"),
]
