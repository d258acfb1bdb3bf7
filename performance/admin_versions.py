"""The admin of target versions (docs/adjustments.md): every version of a project's targets with
its diff (原目标 → 调整后), its indicators and its steps through the chain, all read-only —
a proposal's content is written on the project's 调整申请 page (performance.services.adjustments)
and moved only through performance.services.adjustment_chain. The changelist actions approve or
return the selected proposals as the admin user (channel 管理后台), who still needs the
capacity of the level each proposal waits for; every refusal is reported per proposal."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join

from .chain import VersionStatus
from .models import IndicatorTarget, RowChange, TargetVersion, VersionStep, format_decimal
from .services.adjustment_chain import approve, send_back
from .services.adjustments import AdjustmentRefused, diff
from .workflow import Channel

VERSION_FIELDS = ["project", "number", "kind", "status", "based_on", "effective_from",
                  "budget_amount", "adjusted_amount", "budget_reason", "goal", "reason",
                  "department_tier", "channel", "created_by", "created_at", "submitted_at",
                  "decided_by", "decided_at"]


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class IndicatorTargetInline(ReadOnlyInline):
    model = IndicatorTarget
    fields = readonly_fields = ["position", "change", "level1", "level2", "name", "operator",
                                "target_value", "target_grade", "unit", "weight", "direction",
                                "cumulative", "indicator", "reason"]
    ordering = ["position", "id"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("level1", "level2__level1", "indicator")


class VersionStepInline(ReadOnlyInline):
    model = VersionStep
    fields = readonly_fields = ["at", "action", "level", "from_status", "to_status", "reason",
                                "by", "channel"]
    ordering = ["at", "id"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by")


class ApproveForm(forms.Form):
    reason = forms.CharField(label="审核意见", required=False,
                             widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))
    effective_from = forms.DateField(
        label="生效日期", required=False,
        help_text="只在最后一级（财政）批复时使用；留空则按申请的日期，申请未填则为批复当日")


class ReturnForm(forms.Form):
    reason = forms.CharField(label="退回原因", widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
                             error_messages={"required": "请填写退回原因。"})


def _chain_action(name: str, form_class, verb: str, run):
    def action(modeladmin, request, queryset):
        form = form_class(request.POST if "apply" in request.POST else None)
        versions = list(queryset.select_related("project__unit"))
        if form.is_valid():
            for version in versions:
                try:
                    done = run(version, request.user, form.cleaned_data)
                except AdjustmentRefused as exc:
                    messages.warning(request, f"{version}：未{verb}。{exc}")
                else:
                    messages.success(request, f"{version}：已{verb}，现为“{done.get_status_display()}”。")
            return None
        return TemplateResponse(request, "admin/performance/targetversion/chain_action.html", {
            **modeladmin.admin_site.each_context(request), "opts": modeladmin.model._meta,
            "title": f"{verb}目标调整申请", "verb": verb, "form": form, "versions": versions,
            "action": request.POST.get("action"), "checkbox": ACTION_CHECKBOX_NAME})

    action.__name__ = name
    return admin.action(description=f"{verb}所选申请", permissions=["change"])(action)


def _approve(version, user, data):
    return approve(version, user, reason=data["reason"], effective_from=data["effective_from"],
                   channel=Channel.ADMIN)


def _send_back(version, user, data):
    return send_back(version, user, data["reason"], channel=Channel.ADMIN)


@admin.register(TargetVersion)
class TargetVersionAdmin(admin.ModelAdmin):
    list_display = ["project", "unit_code", "number", "kind", "status", "effective_from",
                    "created_by", "submitted_at", "decided_at"]
    list_select_related = ["project__unit", "created_by"]
    list_filter = ["status", "kind", "project__year", ("project__unit", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["project__name", "project__unit__code", "project__unit__name"]
    fields = [*VERSION_FIELDS, "diff_table"]
    readonly_fields = [*VERSION_FIELDS, "diff_table"]
    inlines = [IndicatorTargetInline, VersionStepInline]
    actions = [_chain_action("approve_action", ApproveForm, "审核通过", _approve),
               _chain_action("send_back_action", ReturnForm, "退回", _send_back)]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(
            "project__unit", "based_on", "created_by", "decided_by")

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # approved versions stay; drafts one by one
        return actions

    def has_add_permission(self, request):
        return False  # a version is proposed on the project's 调整申请 page

    def has_change_permission(self, request, obj=None):
        # the changelist (and its actions) need the permission; a version's page is read-only
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return (obj is not None and obj.status == VersionStatus.DRAFT
                and super().has_delete_permission(request, obj))

    @admin.display(description="单位", ordering="project__unit__code")
    def unit_code(self, obj):
        return obj.project.unit.code

    @admin.display(description="原目标 → 调整后")
    def diff_table(self, obj):
        lines = diff(obj)
        base = obj.based_on
        head = format_html("<p>{}</p>", f"对照：{base.label}" if base else "无调整前版本（年初批复或年中追加）")
        money = _budget_line(base, obj)
        rows = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", (
            (line.change_label,
             _target(line.old, line.changed_fields) if line.old is not None else "—",
             "（删除）" if line.change == RowChange.REMOVED
             else _target(line.new, line.changed_fields if line.old is not None else ()),
             line.new.reason or "—")
            for line in lines))
        return format_html("{}{}<table><tr><th>调整情况</th><th>原目标</th><th>调整后</th>"
                           "<th>调整理由</th></tr>{}</table>", head, money, rows)


def _budget_line(base, version):
    """The budget beside the base version's, when it changed (with its reason)."""
    before = base.effective_budget if base is not None else None
    after = version.effective_budget
    if before == after:
        return ""
    return format_html("<p>预算数（万元）：{} → {}（{}）</p>",
                       "—" if before is None else format_decimal(before), format_decimal(after),
                       version.budget_reason or "未填写原因")


TARGET_PARTS = (
    (lambda r: f"{r.level1.name} / {r.level2.name}", {"level1_id", "level2_id"}),
    (lambda r: r.name, {"name"}),
    (lambda r: f"{r.operator} {r.target_display} {r.unit}".strip(),
     {"operator", "target_value", "target_grade", "unit"}),
    (lambda r: f"权重 {format_decimal(r.weight)}", {"weight"}),
    (lambda r: r.direction, {"direction"}),
)


def _target(row: IndicatorTarget, changed) -> str:
    """One side of a diff line; the changed parts in bold. Every text is data: escaped."""
    return format_html_join("；", "{}", (
        (format_html("<strong>{}</strong>", text(row)) if fields & set(changed)
         else text(row),) for text, fields in TARGET_PARTS))
