from django.urls import path

from . import views

app_name = "rectification"

urlpatterns = [
    path("", views.item_list, name="list"),
    path("export.xlsx", views.export, name="export"),
    path("new/", views.new, name="new"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/<str:action>/", views.act, name="act"),
]
