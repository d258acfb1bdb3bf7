"""The /api/v1/ routes of the imports endpoints (included by api/urls.py)."""

urlpatterns = []
