from django.contrib import admin

from .models import (
    BudgetLine,
    Department,
    EconomicSubject,
    FunctionalSubject,
    Membership,
    PrintedTotal,
    Unit,
)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "department"]
    list_select_related = ["department"]
    list_filter = ["department"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["department"]


class SubjectAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "parent"]
    list_select_related = ["parent"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]


admin.site.register(FunctionalSubject, SubjectAdmin)
admin.site.register(EconomicSubject, SubjectAdmin)


@admin.register(BudgetLine)
class BudgetLineAdmin(admin.ModelAdmin):
    list_display = [
        "unit", "year", "source_table", "functional_subject", "economic_subject", "name",
        "kind", "fund_source", "amount", "parent",
    ]
    list_select_related = ["unit", "functional_subject", "economic_subject", "parent"]
    list_filter = ["year", "source_table", "kind", "fund_source"]
    search_fields = ["name", "unit__code", "unit__name", "economic_subject__code",
                     "functional_subject__code"]
    autocomplete_fields = ["unit", "functional_subject", "economic_subject", "parent"]


@admin.register(PrintedTotal)
class PrintedTotalAdmin(admin.ModelAdmin):
    list_display = ["unit", "year", "source_table", "label", "column", "scope", "amount",
                    "item_count"]
    list_select_related = ["unit"]
    list_filter = ["year", "source_table"]
    search_fields = ["label", "unit__code", "unit__name"]
    autocomplete_fields = ["unit"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Who holds which role where: 填报人 and 单位审核人 in a unit, 主管部门审核人 over a
    department's units, 财政审核人 over every unit. The model's constraint says which of unit
    and department each role takes; a wrong combination is shown on the form in its words."""

    list_display = ["user", "role", "unit", "department"]
    list_select_related = ["user", "unit", "department"]
    list_filter = ["role", "department"]
    search_fields = ["user__username", "user__first_name", "unit__code", "unit__name",
                     "department__code", "department__name"]
    fields = ["user", "role", "unit", "department"]
    autocomplete_fields = ["user", "unit", "department"]
