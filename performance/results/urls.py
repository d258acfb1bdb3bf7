from django.urls import path

from . import views

app_name = "results"

urlpatterns = [
    path("", views.suggestion_list, name="list"),
    path("compute/", views.compute, name="compute"),
    path("export.xlsx", views.export, name="export"),
    path("suggestion/<int:pk>/override/", views.override_view, name="override"),
]
