"""The project's URLs plus a /projects/<id>/ page, for the drill-down test."""

from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as project_urls

urlpatterns = [
    *project_urls,
    path("projects/<int:pk>/", lambda request, pk: HttpResponse(str(pk)), name="test-project"),
]
