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
    list_display = ["user", "unit", "role"]
    list_select_related = ["user", "unit"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__first_name", "unit__code", "unit__name"]
    autocomplete_fields = ["user", "unit"]
