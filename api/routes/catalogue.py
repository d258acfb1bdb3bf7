"""The /api/v1/ routes of the catalogue endpoints (included by api/urls.py): units, reporting
periods, projects (the home page's list), a project with its targets in force, and its target
versions."""

from django.urls import path

from api.views import catalogue, projects

urlpatterns = [
    path("units/", catalogue.UnitList.as_view(), name="unit-list"),
    path("units/<str:code>/", catalogue.UnitDetail.as_view(), name="unit-detail"),
    path("periods/", catalogue.PeriodList.as_view(), name="period-list"),
    path("periods/<str:code>/", catalogue.PeriodDetail.as_view(), name="period-detail"),
    path("projects/", projects.ProjectList.as_view(), name="project-list"),
    path("projects/<int:id>/", projects.ProjectDetail.as_view(), name="project-detail"),
    path("projects/<int:id>/target-versions/", projects.ProjectTargetVersions.as_view(),
         name="project-target-versions"),
]
