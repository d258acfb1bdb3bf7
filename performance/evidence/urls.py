from django.urls import path

from . import views

app_name = "evidence"

urlpatterns = [
    path("upload/", views.upload, name="upload"),
    path("<int:pk>/", views.download, name="download"),
    path("<int:pk>/delete/", views.delete, name="delete"),
]
