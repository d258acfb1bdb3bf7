"""The /api/v1/ routes of the values endpoints (included by api/urls.py)."""

urlpatterns = []
