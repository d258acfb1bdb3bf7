from decimal import Decimal

from django.core.management import call_command
from django.db.models import Count, Sum

from budget.models import BudgetLine, Department, PrintedTotal, Project, SourceTable, Unit
from performance.models import AnnualGoal, Indicator, PeriodKind, ReportingPeriod


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (Department, Unit, Project, Indicator, AnnualGoal, BudgetLine, PrintedTotal,
                      ReportingPeriod)
    }


def test_seed_loads_seven_table13_projects_with_ninety_indicators(seeded):
    assert Project.objects.filter(unit__code="342601", year=2025).count() == 7
    assert Indicator.objects.filter(project__unit__code="342601").count() == 90
    assert AnnualGoal.objects.count() == 7


def test_every_seed_project_has_weights_adding_up_to_ninety(seeded):
    totals = Project.objects.annotate(total=Sum("indicators__weight")).values_list("total", flat=True)
    assert set(totals) == {Decimal("90")}


def test_seed_project_budgets_add_up_to_92_94(seeded):
    assert Project.objects.aggregate(total=Sum("budget_amount"))["total"] == Decimal("92.94")


def test_table3_lines_add_up_to_1183_38(seeded):
    lines = BudgetLine.objects.filter(source_table=SourceTable.T3, parent__isnull=True)
    assert lines.aggregate(total=Sum("amount"))["total"] == Decimal("1183.38")


def test_the_documents_disagreements_are_loaded_as_printed(seeded):
    printed_208 = PrintedTotal.objects.get(source_table=SourceTable.T1, scope="208")
    lines_208 = BudgetLine.objects.filter(
        source_table=SourceTable.T3, functional_subject__code__startswith="208"
    ).aggregate(total=Sum("amount"))["total"]
    assert (printed_208.amount, lines_208) == (Decimal("1072.86"), Decimal("1072.87"))

    printed_personnel = PrintedTotal.objects.get(source_table=SourceTable.T7, column="人员经费")
    lines_personnel = BudgetLine.objects.filter(
        source_table=SourceTable.T7, kind="personnel", parent__isnull=True
    ).aggregate(total=Sum("amount"))["total"]
    assert (printed_personnel.amount, lines_personnel) == (Decimal("923.76"), Decimal("923.77"))


def test_a_project_named_differently_in_table8_stays_unlinked(seeded):
    unlinked = Project.objects.filter(budget_line__isnull=True).values_list("name", flat=True)
    assert list(unlinked) == ["离退休人员社会化管理服务专项经费"]
    assert BudgetLine.objects.filter(
        source_table=SourceTable.T8, name="离退休人员社会化管理服务工作专项经费"
    ).exists()


def test_seed_keeps_the_documents_own_unit_oddities(seeded):
    indicator = Indicator.objects.get(name="城镇企业职工基本养老保险在职参保人数")
    assert (indicator.unit, indicator.target_value) == ("次", Decimal("34.14"))


def test_seed_creates_the_two_standard_periods(seeded):
    periods = dict(ReportingPeriod.objects.values_list("code", "kind"))
    assert periods == {"2025-07": PeriodKind.MONITORING, "2025-final": PeriodKind.SELF_EVALUATION}
    assert ReportingPeriod.objects.get(code="2025-07").cutoff_month == 7


def test_loading_the_seed_twice_changes_nothing(db, capsys):
    call_command("load_seed")
    first = counts()
    weights = list(Indicator.objects.order_by("id").values_list("id", "weight", "target_value"))
    call_command("load_seed")
    assert counts() == first
    assert list(Indicator.objects.order_by("id").values_list("id", "weight", "target_value")) == weights
    assert "未变 90 个" in capsys.readouterr().out


def test_seed_indicators_are_in_table13_order(seeded):
    project = Project.objects.get(name="社会保险信息网络建设维护费")
    names = list(project.indicators.order_by("position").values_list("name", flat=True))
    assert names[:2] == ["购置多功能打印机数量", "购置办公软件数量"]
    assert names[-1] == "参保单位社会保险业务经办的满意程度"


def test_seed_levels_cover_the_local_variant(seeded):
    per_level = dict(
        Indicator.objects.values_list("level2__name").annotate(n=Count("id")).values_list(
            "level2__name", "n"
        )
    )
    assert per_level["帮扶对象满意度指标"] == 1
