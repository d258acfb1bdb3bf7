from django.urls import path

from . import views

app_name = "periods"

urlpatterns = [
    path("<str:code>/", views.period_page, name="detail"),
    path("<str:code>/lock/", views.lock_view, name="lock"),
    path("<str:code>/unlock/", views.unlock_view, name="unlock"),
    path("<str:code>/units/unlock/", views.unlock_unit_view, name="unlock_unit"),
    path("<str:code>/units/<str:unit_code>/relock/", views.relock_unit_view, name="relock_unit"),
]
