"""The /api/v1/ routes of the results endpoints (included by api/urls.py): scores, monitoring
lights, target-review findings and the user's own notices."""

from django.urls import path

from api.views import results

urlpatterns = [
    path("scores/", results.ScoreList.as_view(), name="score-list"),
    path("lights/", results.LightList.as_view(), name="light-list"),
    path("findings/", results.FindingList.as_view(), name="finding-list"),
    path("notices/", results.NoticeList.as_view(), name="notice-list"),
    path("notices/<int:id>/", results.NoticeDetail.as_view(), name="notice-detail"),
    path("notices/<int:id>/read/", results.NoticeRead.as_view(), name="notice-read"),
]
