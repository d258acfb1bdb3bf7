from django.urls import path

from . import home_views, preview_views, project_views, upload_views

app_name = "entry"

urlpatterns = [
    path("", home_views.home, name="home"),
    path("projects/export.xlsx", home_views.export, name="export"),
    path("projects/<int:pk>/", project_views.project_page, name="project"),
    path("projects/<int:pk>/preview/", preview_views.preview_view, name="preview"),
    path("projects/<int:pk>/approve/", project_views.approve_view, name="approve"),
    path("projects/<int:pk>/return/", project_views.return_view, name="return"),
    path("projects/<int:pk>/reopen/", project_views.reopen_view, name="reopen"),
    path("projects/<int:pk>/department-approve/", project_views.department_approve_view,
         name="department_approve"),
    path("projects/<int:pk>/department-return/", project_views.department_return_view,
         name="department_return"),
    path("uploads/template.xlsx", upload_views.template_download, name="template"),
    path("uploads/", upload_views.upload, name="upload"),
    path("uploads/<int:pk>/", upload_views.upload_status, name="upload_status"),
    path("uploads/<int:pk>/retry/", upload_views.upload_retry, name="upload_retry"),
]
