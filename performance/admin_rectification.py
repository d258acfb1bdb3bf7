"""The admin of 问题整改 (docs/rectification.md): 整改事项 listed, filtered and searched, each
shown with its evidence and its history — read-only. Items are raised and moved only through
the service (performance.services.rectification), which asks the rules, checks versions,
records who did what by which channel and notifies the other side; so the admin writes only
through it: the action 确认整改完成 confirms the selected 已整改 items (Channel.ADMIN)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from .admin_checks import HISTORY_KINDS, HISTORY_LIMIT, ReadOnlyAdmin
from .models import Rectification, RectificationStatus
from .services import rectification as service
from .services.record_fields import who
from .workflow import Channel

CONFIRM_LIMIT = 500

FIELDS = ["unit", "project", "period", "indicator", "source", "source_key", "problem",
          "required_action", "deadline", "status", "response", "response_deadline",
          "response_note", "responded_by", "responded_at", "progress", "done_by", "done_at",
          "return_reason", "confirmed_by", "confirmed_at", "raised_by", "raised_at",
          "updated_by", "updated_at", "version"]


@admin.register(Rectification)
class RectificationAdmin(ReadOnlyAdmin):
    list_display = ["short_problem", "unit_code", "project", "period", "source", "deadline",
                    "status", "response"]
    list_filter = ["status", "source", "response", "period"]
    search_fields = ["problem", "project__name", "unit__code", "unit__name", "source_key"]
    list_select_related = ["unit", "project", "period"]
    date_hierarchy = "deadline"
    fields = readonly_fields = [*FIELDS, "evidence_list", "history_table"]
    actions = ["confirm_selected"]
    list_per_page = 100

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(
            "unit", "project", "period", "indicator", "responded_by", "done_by", "confirmed_by",
            "raised_by", "updated_by")

    @admin.display(description="问题", ordering="problem")
    def short_problem(self, obj):
        return obj.problem[:40]

    @admin.display(description="单位", ordering="unit__code")
    def unit_code(self, obj):
        return obj.unit.code

    @admin.display(description="佐证材料")
    def evidence_list(self, obj):
        rows = list(obj.evidence.order_by("uploaded_at", "id").values_list("pk", "name"))
        if not rows:
            return "—"
        return format_html_join(mark_safe("<br>"), '<a href="{}">{}</a>',
                                ((reverse("evidence:download", args=[pk]), name)
                                 for pk, name in rows))

    @admin.display(description=f"变更历史（最近 {HISTORY_LIMIT} 条）")
    def history_table(self, obj):
        rows = list(obj.history.select_related("history_user")
                    .order_by("-history_date", "-history_id")[:HISTORY_LIMIT])
        if not rows:
            return "—"
        return format_html(
            "<table><tr><th>时间</th><th>操作</th><th>内容</th><th>状态</th><th>操作人</th>"
            "<th>途径</th></tr>{}</table>",
            format_html_join(
                "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                ((timezone.localtime(h.history_date).strftime("%Y-%m-%d %H:%M"),
                  HISTORY_KINDS.get(h.history_type, h.history_type),
                  h.history_change_reason or "—", h.get_status_display(),
                  who(h.history_user) if h.history_user else "—",
                  h.get_history_channel_display() or "—") for h in rows)))

    @admin.action(description="确认整改完成（所选已整改的事项）")
    def confirm_selected(self, request, queryset):
        done, refused = 0, []
        skipped = queryset.exclude(status=RectificationStatus.DONE).count()
        for item in queryset.filter(status=RectificationStatus.DONE)[:CONFIRM_LIMIT]:
            try:
                service.confirm(item, request.user, channel=Channel.ADMIN)
            except service.RectificationRefused as exc:
                refused.append(f"{item}：{exc}")
            else:
                done += 1
        if done:
            self.message_user(request, f"已确认 {done} 项整改事项。", messages.SUCCESS)
        if skipped:
            self.message_user(request, f"{skipped} 项不是“已整改”，未确认。", messages.WARNING)
        for text in refused:
            self.message_user(request, text, messages.ERROR)
