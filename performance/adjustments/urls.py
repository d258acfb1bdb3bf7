from django.urls import path

from performance.excel import version_views

from . import views

app_name = "adjustments"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("pending/", views.pending, name="pending"),
    path("projects/<int:pk>/propose/", views.propose, name="propose"),
    path("projects/<int:pk>/versions.xlsx", version_views.project_versions_xlsx,
         name="versions_xlsx"),
    path("units/<str:unit_code>/midyear/", views.midyear, name="midyear"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/<str:action>/", views.step, name="step"),
]
