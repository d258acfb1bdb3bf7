"""The admin action on projects: run the target review on the selected projects."""

from django.contrib import admin, messages
from django.template.response import TemplateResponse

from .service import review_selection


@admin.action(description="运行目标审核")
def run_target_review(modeladmin, request, queryset):
    """Show the open findings of the selected projects on an intermediate page."""
    report = review_selection(queryset)
    findings = report.open
    if findings:
        messages.warning(request, f"发现 {len(findings)} 个待处理的审核问题。")
    else:
        messages.success(request, "所选项目没有待处理的审核问题。")
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": "目标审核结果",
        "opts": modeladmin.model._meta,
        "findings": findings,
        "counts": list(report.counts().items()),
        "accepted_count": len(report.select(status="accepted")),
        "project_count": queryset.count(),
    }
    return TemplateResponse(request, "review/admin_findings.html", context)
