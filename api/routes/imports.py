"""The /api/v1/ routes of the imports endpoints (included by api/urls.py): the upload that
starts an actuals import job, the jobs, one job and its problems."""

from django.urls import path

from api.views.imports import ImportJobDetail, ImportJobErrors, ImportJobList

urlpatterns = [
    path("imports/", ImportJobList.as_view(), name="import-list"),
    path("imports/<int:pk>/", ImportJobDetail.as_view(), name="import-detail"),
    path("imports/<int:pk>/errors/", ImportJobErrors.as_view(), name="import-errors"),
]
