from django.urls import path

from . import views

app_name = "adjustments"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("pending/", views.pending, name="pending"),
    path("projects/<int:pk>/propose/", views.propose, name="propose"),
    path("units/<str:unit_code>/midyear/", views.midyear, name="midyear"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/<str:action>/", views.step, name="step"),
]
