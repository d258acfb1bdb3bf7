from django.urls import path

from . import views

app_name = "review"

urlpatterns = [
    path("", views.index, name="index"),
    path("projects/<int:pk>/result/", views.project_result, name="project_result"),
    path("projects/<int:pk>/signoff/", views.project_signoff, name="project_signoff"),
    path("<str:unit_code>/<int:year>/", views.unit_review, name="unit"),
    path("<str:unit_code>/<int:year>/export.xlsx", views.export, name="export"),
    path("<str:unit_code>/<int:year>/accept/", views.accept, name="accept"),
    path("<str:unit_code>/<int:year>/reopen/", views.reopen, name="reopen"),
]
