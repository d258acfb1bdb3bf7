from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("project/<int:pk>/self-evaluation.docx", views.self_evaluation, name="self_evaluation"),
    path("unit/<str:unit_code>/monitoring.docx", views.monitoring, name="monitoring"),
    path("batch/<int:pk>/check.docx", views.check, name="check"),
    path("unit/<str:unit_code>/zip/", views.zip_start, name="zip_start"),
    path("job/<int:pk>/", views.job, name="job"),
    path("job/<int:pk>/status.json", views.job_status, name="job_status"),
    path("job/<int:pk>/download", views.job_download, name="job_download"),
    path("job/<int:pk>/retry/", views.job_retry, name="job_retry"),
]
