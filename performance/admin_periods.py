"""The admin of reporting periods: locking and unlocking go through
performance.services.period_lock, from the change form (a reason is asked for when the status
changes) and from changelist actions (a page asks for the reason; change permission needed);
per-unit unlocks are added and removed like rows; the lock events are listed, read-only."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from .models import PeriodLockEvent, PeriodStatus, PeriodUnitUnlock, ReportingPeriod
from .services.period_lock import (
    PeriodRefused,
    lock_events,
    lock_period,
    relock_unit,
    unlock_period,
    unlock_unit,
)
from .services.record_fields import who
from .workflow import Channel

REASON_HELP = "锁定或解锁时必填，会记入期间锁定记录"


class PeriodForm(forms.ModelForm):
    lock_note = forms.CharField(label="锁定/解锁原因", required=False, help_text=REASON_HELP,
                                widget=forms.Textarea(attrs={"rows": 2, "cols": 60}))

    class Meta:
        model = ReportingPeriod
        fields = ["year", "code", "name", "kind", "cutoff_month", "deadline", "status"]

    def clean(self):
        data = super().clean()
        if self.instance.pk and "status" in self.changed_data and not data.get("lock_note", "").strip():
            self.add_error("lock_note", "修改状态（锁定或解锁）时须填写原因。")
        return data


class UnitUnlockInline(admin.TabularInline):
    model = PeriodUnitUnlock
    extra = 0
    can_delete = False
    fields = readonly_fields = ["unit", "reason", "unlocked_by", "unlocked_at"]
    verbose_name_plural = "已单独解锁的单位（在“单位解锁”中添加或删除）"

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("period", "unit", "unlocked_by")


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
                             error_messages={"required": "请填写原因。"})


def _lock_action(service, verb: str):
    def action(modeladmin, request, queryset):
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            done = 0
            for period in queryset:
                try:
                    service(period, request.user, form.cleaned_data["reason"],
                            channel=Channel.ADMIN)
                    done += 1
                except PeriodRefused as exc:
                    messages.warning(request, f"{period.code}：{exc}")
            if done:
                messages.success(request, f"已{verb} {done} 个期间。")
            return None
        return TemplateResponse(request, "admin/performance/period_lock_action.html", {
            **modeladmin.admin_site.each_context(request), "opts": modeladmin.model._meta,
            "title": f"{verb}填报期间", "verb": verb, "form": form, "periods": queryset,
            "action": request.POST.get("action"), "checkbox": ACTION_CHECKBOX_NAME})

    action.__name__ = f"{service.__name__}_action"
    return admin.action(description=f"{verb}所选期间（需填写原因）", permissions=["change"])(action)


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(admin.ModelAdmin):
    form = PeriodForm
    list_display = ["code", "name", "year", "kind", "cutoff_month", "deadline", "status",
                    "locked_at", "locked_by", "lock_reason"]
    list_select_related = ["locked_by"]
    list_filter = ["year", "kind", "status"]
    search_fields = ["code", "name"]
    readonly_fields = ["locked_at", "locked_by", "lock_reason", "lock_history"]
    inlines = [UnitUnlockInline]
    actions = [_lock_action(lock_period, "锁定"), _lock_action(unlock_period, "解锁")]

    def get_fields(self, request, obj=None):
        fields = ["year", "code", "name", "kind", "cutoff_month", "deadline"]
        if obj is None:
            return fields  # a new period is open; it is locked afterwards, with a reason
        return [*fields, "status", "lock_note", "locked_at", "locked_by", "lock_reason",
                "lock_history"]

    @admin.display(description="锁定记录（最近 50 条）")
    def lock_history(self, obj):
        events = lock_events(obj, limit=50)
        if not events:
            return "—"
        return format_html("<table><tr><th>时间</th><th>操作</th><th>单位</th><th>原因</th>"
                           "<th>操作人</th><th>途径</th></tr>{}</table>", format_html_join(
                               "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
                               "<td>{}</td></tr>",
                               ((timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M"),
                                 e.get_action_display(), e.unit or "全部单位", e.reason or "—",
                                 who(e.by) if e.by else "—", e.get_channel_display() or "—")
                                for e in events)))

    def save_model(self, request, obj, form, change):
        wanted = obj.status
        if change:
            obj.status = form.initial.get("status", obj.status)  # the service moves it
        obj.save()
        if change and wanted != obj.status:
            service = lock_period if wanted == PeriodStatus.LOCKED else unlock_period
            try:
                service(obj, request.user, form.cleaned_data.get("lock_note", ""),
                        channel=Channel.ADMIN)
            except PeriodRefused as exc:
                messages.error(request, f"状态未改变：{exc}")
            obj.refresh_from_db()


class UnitUnlockForm(forms.ModelForm):
    class Meta:
        model = PeriodUnitUnlock
        fields = ["period", "unit", "reason"]

    def clean(self):
        data = super().clean()
        period = data.get("period")
        if period is not None and not period.is_locked:
            self.add_error("period", "该期间未锁定，无需为单位解锁。")
        return data


@admin.register(PeriodUnitUnlock)
class PeriodUnitUnlockAdmin(admin.ModelAdmin):
    """Adding a row opens a locked period for one unit (a late correction); deleting it locks
    the period for that unit again. Both through the lock service, both kept as events."""

    form = UnitUnlockForm
    list_display = ["period", "unit", "reason", "unlocked_by", "unlocked_at"]
    list_select_related = ["period", "unit", "unlocked_by"]
    list_filter = ["period"]
    search_fields = ["unit__code", "unit__name", "reason"]
    autocomplete_fields = ["unit"]
    actions = None

    def get_readonly_fields(self, request, obj=None):
        return ["period", "unit", "reason", "unlocked_by", "unlocked_at"] if obj else []

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        try:
            unlocked = unlock_unit(obj.period, obj.unit, request.user, obj.reason,
                                   channel=Channel.ADMIN)
        except PeriodRefused as exc:
            messages.error(request, str(exc))
            return
        obj.pk = unlocked.pk

    def log_addition(self, request, obj, message):
        if obj.pk is not None:  # nothing was added when the service refused
            return super().log_addition(request, obj, message)
        return None

    def response_add(self, request, obj, post_url_continue=None):
        if obj.pk is None:  # refused after the form was checked (changed meanwhile)
            return self.response_post_save_add(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def delete_model(self, request, obj):
        try:
            relock_unit(obj.period, obj.unit, request.user, "管理后台删除解锁", channel=Channel.ADMIN)
        except PeriodRefused as exc:
            messages.error(request, str(exc))


@admin.register(PeriodLockEvent)
class PeriodLockEventAdmin(admin.ModelAdmin):
    list_display = ["at", "period", "action", "unit", "reason", "by", "channel"]
    list_select_related = ["period", "unit", "by"]
    list_filter = ["period", "action", "channel"]
    search_fields = ["reason", "unit__code", "unit__name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
