"""Admin of 结果应用 (docs/results.md): the rules (grade → suggestion), editable in the list;
the suggestions read-only (written only by performance.services.results: the command
`suggestions`, the list page's button and finance's override there), with their overrides and
history shown."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import BudgetSuggestion, SuggestionRule


@admin.register(SuggestionRule)
class SuggestionRuleAdmin(admin.ModelAdmin):
    list_display = ["grade", "action", "rate", "wording"]
    list_editable = ["action", "rate", "wording"]
    ordering = ["grade"]


class OverriddenFilter(admin.SimpleListFilter):
    title = "财政调整"
    parameter_name = "overridden"

    def lookups(self, request, model_admin):
        return [("yes", "已调整"), ("no", "未调整")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(override_action="")
        if self.value() == "no":
            return queryset.filter(override_action="")
        return queryset


@admin.register(BudgetSuggestion)
class BudgetSuggestionAdmin(SimpleHistoryAdmin):
    list_display = ["project", "unit_code", "period", "grade", "grade_source", "base_amount",
                    "action", "suggested_amount", "override_action", "override_amount",
                    "overridden_by", "computed_at"]
    list_select_related = ["project__unit", "period", "overridden_by"]
    list_filter = ["period", "grade", "grade_source", "action", OverriddenFilter,
                   "project__unit"]
    search_fields = ["project__name", "project__unit__code", "project__unit__name"]
    readonly_fields = [field.name for field in BudgetSuggestion._meta.fields]
    list_per_page = 100

    @admin.display(description="单位代码", ordering="project__unit__code")
    def unit_code(self, obj):
        return obj.project.unit.code

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
