from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "绩效通 · 预算项目绩效管理"
admin.site.site_title = "绩效通"
admin.site.index_title = "管理后台"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("admin/", admin.site.urls),
    path("review/", include("performance.review.urls")),
]
