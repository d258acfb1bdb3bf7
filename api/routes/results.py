"""The /api/v1/ routes of the results endpoints (included by api/urls.py)."""

urlpatterns = []
