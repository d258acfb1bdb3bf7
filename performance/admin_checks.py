"""The admin of 抽查复核 (docs/checks.md): 复核批次 with their sampled projects, each 复核项目
with its 复核 scores, its 补充说明 and its history, and the 补充说明 on their own — all
read-only. A batch is drawn on the 抽查复核 page (its seed and rules recorded, so that it can be
drawn again); scores, conclusions and explanations are written only through the check service
(performance.services.checks), which checks each score against its weight, keeps the snapshot
totals and records who changed what by which channel. Editing them here would bypass all that,
so the admin shows and does not write."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from .models import CheckBatch, CheckedProject, CheckScore, ExplanationRequest
from .services.record_fields import who

HISTORY_LIMIT = 50
HISTORY_KINDS = {"+": "新建", "~": "修改", "-": "删除"}


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewed, never written here (the changelist needs the change permission to list)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CheckedProjectInline(ReadOnlyInline):
    model = CheckedProject
    fields = readonly_fields = ["project", "unit", "reason", "stratum", "status", "self_total",
                                "self_grade", "check_total", "check_grade", "reviewer"]
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("project__unit", "reviewer")

    @admin.display(description="单位")
    def unit(self, obj):
        return obj.project.unit.code


class CheckScoreInline(ReadOnlyInline):
    model = CheckScore
    fields = readonly_fields = ["indicator", "weight", "score", "deduction_reason", "opinion",
                                "updated_by", "updated_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("indicator", "updated_by")


class ExplanationInline(ReadOnlyInline):
    model = ExplanationRequest
    fields = readonly_fields = ["indicator", "question", "status", "asked_by", "asked_at",
                                "answer", "answered_by", "answered_at", "withdrawn_by",
                                "withdrawn_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("indicator", "asked_by",
                                                            "answered_by", "withdrawn_by")


@admin.register(CheckBatch)
class CheckBatchAdmin(ReadOnlyAdmin):
    list_display = ["name", "period", "seed", "drawn_by", "drawn_at", "project_count",
                    "candidates"]
    list_select_related = ["period", "drawn_by"]
    list_filter = ["period"]
    search_fields = ["name", "seed"]
    fields = readonly_fields = ["period", "name", "seed", "rules", "candidates", "drawn_by",
                                "drawn_at", "note"]
    inlines = [CheckedProjectInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(project_total=Count("projects"))

    @admin.display(description="抽查项目数", ordering="project_total")
    def project_count(self, obj):
        return obj.project_total


CHECK_FIELDS = ["batch", "period", "project", "reason", "stratum", "draw_key", "status",
                "reviewer", "verified_spent", "execution_score", "execution_note", "conclusion",
                "self_total", "self_grade", "check_total", "check_grade", "scored_indicators",
                "started_at", "concluded_at", "concluded_by", "updated_at", "updated_by",
                "version"]


@admin.register(CheckedProject)
class CheckedProjectAdmin(ReadOnlyAdmin):
    list_display = ["project", "unit_code", "batch", "reason", "status", "self_total",
                    "self_grade", "check_total", "check_grade", "reviewer"]
    list_select_related = ["project__unit", "batch__period", "reviewer"]
    list_filter = ["status", "period", "reason"]
    search_fields = ["project__name", "project__unit__code", "project__unit__name"]
    fields = readonly_fields = [*CHECK_FIELDS, "history_table"]
    inlines = [CheckScoreInline, ExplanationInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(
            "project__unit", "batch__period", "period", "reviewer", "concluded_by", "updated_by")

    @admin.display(description="单位", ordering="project__unit__code")
    def unit_code(self, obj):
        return obj.project.unit.code

    @admin.display(description=f"变更历史（最近 {HISTORY_LIMIT} 条）")
    def history_table(self, obj):
        rows = list(obj.history.select_related("history_user")
                    .order_by("-history_date", "-history_id")[:HISTORY_LIMIT])
        if not rows:
            return "—"
        return format_html(
            "<table><tr><th>时间</th><th>操作</th><th>复核状态</th><th>操作人</th><th>途径</th>"
            "</tr>{}</table>",
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                             ((timezone.localtime(h.history_date).strftime("%Y-%m-%d %H:%M"),
                               HISTORY_KINDS.get(h.history_type, h.history_type),
                               h.get_status_display(),
                               who(h.history_user) if h.history_user else "—",
                               h.get_history_channel_display() or "—") for h in rows)))


@admin.register(ExplanationRequest)
class ExplanationRequestAdmin(ReadOnlyAdmin):
    list_display = ["short_question", "project", "unit_code", "indicator", "status", "asked_by",
                    "asked_at", "answered_by", "answered_at"]
    list_select_related = ["checked__project__unit", "indicator", "asked_by", "answered_by"]
    list_filter = ["status", "checked__period"]
    search_fields = ["question", "answer", "checked__project__name",
                     "checked__project__unit__code"]
    fields = readonly_fields = ["checked", "indicator", "question", "status", "asked_by",
                                "asked_at", "answer", "answered_by", "answered_at",
                                "withdrawn_by", "withdrawn_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(
            "checked__project__unit", "checked__period", "indicator", "asked_by", "answered_by",
            "withdrawn_by")

    @admin.display(description="需说明的问题")
    def short_question(self, obj):
        return str(obj)

    @admin.display(description="项目", ordering="checked__project__name")
    def project(self, obj):
        return obj.checked.project.name

    @admin.display(description="单位", ordering="checked__project__unit__code")
    def unit_code(self, obj):
        return obj.checked.project.unit.code
