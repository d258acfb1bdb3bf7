"""/api/v1/: the endpoints (api/routes/*), the OpenAPI schema and its Swagger UI and Redoc pages,
served from static/ (drf-spectacular-sidecar)."""

from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

app_name = "api"

urlpatterns = [
    path("", include("api.routes.catalogue")),
    path("", include("api.routes.results")),
    path("", include("api.routes.values")),
    path("", include("api.routes.imports")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # the split view serves Swagger UI's start script as a file of its own: no inline script
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
]
