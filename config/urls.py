from django.contrib import admin
from django.urls import include, path

from config import views

admin.site.site_header = "绩效通 · 预算项目绩效管理"
admin.site.site_title = "绩效通"
admin.site.index_title = "管理后台"

urlpatterns = [
    path("", include("performance.entry.urls")),
    path("accounts/", include("accounts.urls")),
    path("favicon.ico", views.favicon, name="favicon"),
    path("admin/login/", views.admin_login),  # before the admin's own: non-staff go home
    path("admin/", admin.site.urls),
    path("review/", include("performance.review.urls")),
    path("dashboard/", include("performance.dashboard.urls")),
    path("notices/", include("performance.reminders.urls")),
    path("periods/", include("performance.periods.urls")),
    path("adjustments/", include("performance.adjustments.urls")),
    path("checks/", include("performance.checks.urls")),
    path("evidence/", include("performance.evidence.urls")),
    path("results/", include("performance.results.urls")),
    path("rectification/", include("performance.rectification.urls")),
    path("reports/", include("performance.reports.urls")),
    path("api/v1/", include("api.urls")),
]
