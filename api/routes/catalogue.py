"""The /api/v1/ routes of the catalogue endpoints (included by api/urls.py)."""

urlpatterns = []
