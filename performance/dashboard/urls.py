from django.urls import path

from . import api, project_report, reports, views

app_name = "dashboard"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("refresh/", views.refresh, name="refresh"),
    path("units/<str:unit_code>/", views.unit, name="unit"),
    path("units/<str:unit_code>/report.xlsx", reports.report_xlsx, name="report_xlsx"),
    path("units/<str:unit_code>/print/", reports.report_print, name="report_print"),
    path("projects/<int:pk>/report.xlsx", project_report.project_report_xlsx,
         name="project_report_xlsx"),
    path("projects/<int:pk>/print/", project_report.project_report_print,
         name="project_report_print"),
    path("api/execution.json", api.execution, name="api_execution"),
    path("api/grades.json", api.grades, name="api_grades"),
    path("api/heatmap.json", api.heatmap, name="api_heatmap"),
]
