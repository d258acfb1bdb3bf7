from django.contrib import admin
from django.db.models import Count, Q, Sum

from budget.models import Project

from . import (  # noqa: F401 (register their models)
    admin_checks,
    admin_evidence,
    admin_periods,
    admin_records,
    admin_rectification,
    admin_reports,
    admin_results,
    admin_versions,
)
from .admin_records import ScopedExportMixin
from .excel.admin import ExcelImportAdminMixin, ImportJobAdmin
from .excel.document_admin import DocumentImportAdminMixin
from .excel.resources import Table13Resource
from .models import (
    AnnualGoal,
    FindingDecision,
    ImportJob,
    ImportKind,
    Indicator,
    IndicatorLevel1,
    IndicatorLevel2,
    ProjectReview,
)
from .reminders import admin as reminders_admin  # noqa: F401 (registers ReminderLog, Notice)
from .review.admin_actions import run_target_review


class IndicatorLevel2Inline(admin.TabularInline):
    model = IndicatorLevel2
    extra = 0


@admin.register(IndicatorLevel1)
class IndicatorLevel1Admin(admin.ModelAdmin):
    list_display = ["name", "position"]
    list_editable = ["position"]
    search_fields = ["name"]
    inlines = [IndicatorLevel2Inline]


@admin.register(IndicatorLevel2)
class IndicatorLevel2Admin(admin.ModelAdmin):
    list_display = ["name", "level1", "position", "evidence_required"]
    list_select_related = ["level1"]
    list_filter = ["level1", "evidence_required"]
    search_fields = ["name", "level1__name"]


class AnnualGoalInline(admin.StackedInline):
    model = AnnualGoal
    extra = 0


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0
    fields = ["position", "level1", "level2", "name", "operator", "target_value", "target_grade",
              "unit", "weight", "direction", "evidence_required"]
    ordering = ["position", "id"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("level1", "level2__level1")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Every row of the inline has the same two selects: read their choices once per
        # request instead of once per row.
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name in ("level1", "level2"):
            cache = request.__dict__.setdefault("_indicator_inline_choices", {})
            if db_field.name not in cache:
                cache[db_field.name] = list(field.choices)
            field.choices = cache[db_field.name]
        return field


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "unit", "year", "category", "functional_subject", "budget_amount",
                    "adjusted_amount", "indicator_count", "weight_total"]
    list_select_related = ["unit", "functional_subject"]
    list_filter = ["year", "category", "unit__department"]
    search_fields = ["name", "unit__code", "unit__name"]
    autocomplete_fields = ["unit", "functional_subject", "budget_line"]
    inlines = [AnnualGoalInline, IndicatorInline]
    actions = [run_target_review]

    def get_queryset(self, request):
        in_force = Q(indicators__retired=False)  # an indicator removed by an adjustment is out
        return super().get_queryset(request).annotate(
            _indicator_count=Count("indicators", filter=in_force),
            _weight_total=Sum("indicators__weight", filter=in_force),
        )

    @admin.display(description="指标数", ordering="_indicator_count")
    def indicator_count(self, obj):
        return obj._indicator_count

    @admin.display(description="权重合计", ordering="_weight_total")
    def weight_total(self, obj):
        return obj._weight_total


@admin.register(Indicator)
class IndicatorAdmin(DocumentImportAdminMixin, ExcelImportAdminMixin, ScopedExportMixin,
                     admin.ModelAdmin):
    excel_import_kind = ImportKind.TARGETS
    resource_classes = [Table13Resource]
    list_display = ["name", "project", "unit_code", "level1", "level2", "operator",
                    "target_display", "unit", "weight", "direction", "retired"]
    list_select_related = ["project__unit", "level1", "level2__level1"]
    list_filter = ["project__year", "retired", "level1", "level2", "operator", "direction",
                   "evidence_required"]
    search_fields = ["name", "project__name", "project__unit__code"]
    autocomplete_fields = ["project"]

    def get_queryset(self, request):
        # indicators removed by an approved adjustment too (已调整删除): their records stay
        return Indicator.all_objects.select_related(*self.list_select_related)

    readonly_fields = ["retired"]

    def has_change_permission(self, request, obj=None):
        # a removed indicator is history, shown read-only: it comes back only by an adjustment
        return not (obj is not None and obj.retired) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not (obj is not None and obj.retired) and super().has_delete_permission(request, obj)

    def get_data_for_export(self, request, queryset, **kwargs):
        # 表13 is the version in force: removed indicators are not exported
        return super().get_data_for_export(request, queryset.filter(retired=False), **kwargs)

    @admin.display(description="单位", ordering="project__unit__code")
    def unit_code(self, obj):
        return obj.project.unit.code

    @admin.display(description="指标值")
    def target_display(self, obj):
        return obj.target_display


@admin.register(FindingDecision)
class FindingDecisionAdmin(admin.ModelAdmin):
    list_display = ["rule", "unit", "year", "project", "indicator", "note", "decided_by",
                    "decided_at"]
    list_select_related = ["unit", "project", "indicator", "decided_by"]
    list_filter = ["year", "rule"]
    search_fields = ["key", "note", "message", "project__name", "unit__code"]
    autocomplete_fields = ["unit", "project", "indicator"]
    readonly_fields = ["decided_at"]


@admin.register(ProjectReview)
class ProjectReviewAdmin(admin.ModelAdmin):
    list_display = ["project", "unit_code", "result", "note", "reviewer", "reviewed_at"]
    list_select_related = ["project__unit", "reviewer"]
    list_filter = ["result", "project__year"]
    search_fields = ["project__name", "project__unit__code", "note"]
    autocomplete_fields = ["project"]
    readonly_fields = ["reviewed_at"]

    @admin.display(description="单位", ordering="project__unit__code")
    def unit_code(self, obj):
        return obj.project.unit.code


admin.site.register(ImportJob, ImportJobAdmin)
