"""The admin of report zip jobs (docs/reports.md): listed with their progress and error,
read-only; the zip is downloaded through the page that checks access, never a storage URL."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from .admin_checks import ReadOnlyAdmin
from .models import ReportJob, ReportJobStatus


@admin.register(ReportJob)
class ReportJobAdmin(ReadOnlyAdmin):
    list_display = ["id", "unit", "period", "status", "progress", "created_by", "created_at",
                    "finished_at"]
    list_filter = ["status", "period"]
    search_fields = ["unit__code", "unit__name", "error"]
    list_select_related = ["unit", "period", "created_by"]
    fields = readonly_fields = ["unit", "period", "status", "total", "done", "error",
                                "created_by", "created_at", "started_at", "finished_at",
                                "download"]

    @admin.display(description="进度")
    def progress(self, job):
        return f"{job.done}/{job.total}"

    @admin.display(description="压缩包")
    def download(self, job):
        if job.status != ReportJobStatus.DONE or not job.file:
            return "—"
        return format_html('<a href="{}">下载</a>', reverse("reports:job_download", args=[job.pk]))
