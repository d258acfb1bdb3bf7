"""Factories for the tests: the smallest valid objects, overridable per test."""

import datetime
from decimal import Decimal

import factory
from django.contrib.auth.models import User

from budget.models import Department, Membership, Project, Role, Unit
from performance.domain import Direction, Operator
from performance.models import (
    BudgetSuggestion,
    CheckBatch,
    CheckedProject,
    CheckScore,
    Indicator,
    IndicatorLevel2,
    IndicatorRecord,
    PeriodKind,
    ProjectRecord,
    Rectification,
    ReportingPeriod,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-for-tests")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ["code"]

    code = "342"
    name = "广元市人力资源和社会保障局"


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"9{n:05d}")
    name = factory.Sequence(lambda n: f"测试单位{n}")
    department = factory.SubFactory(DepartmentFactory)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    unit = factory.SubFactory(UnitFactory)
    role = Role.FILLER


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    unit = factory.SubFactory(UnitFactory)
    year = 2025
    name = factory.Sequence(lambda n: f"测试项目{n}")
    budget_amount = Decimal("10.00")


def level2(level1_name="产出指标", name="数量指标") -> IndicatorLevel2:
    return IndicatorLevel2.objects.select_related("level1").get(level1__name=level1_name, name=name)


def bulk_projects(unit, count: int, per_project: int, *, weight=Decimal(9),
                  prefix: str = "项目") -> list[Project]:
    """`count` 2025 projects of `unit` named PREFIX0…, each with `per_project` ≥ indicators
    指标0…, bulk-created (no factory per row: the import tests need thousands)."""
    level = level2()
    made = Project.objects.bulk_create([
        Project(unit=unit, year=2025, name=f"{prefix}{p}", budget_amount=Decimal(100))
        for p in range(count)])
    Indicator.objects.bulk_create([
        Indicator(project=project, level1=level.level1, level2=level, name=f"指标{i}",
                  operator=Operator.GE, target_value=Decimal(100), unit="人次",
                  weight=weight, direction=Direction.POSITIVE, position=i)
        for project in made for i in range(per_project)])
    return made


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    class Params:
        levels = ("产出指标", "数量指标")

    project = factory.SubFactory(ProjectFactory)
    level2 = factory.LazyAttribute(lambda o: level2(*o.levels))
    level1 = factory.LazyAttribute(lambda o: o.level2.level1)
    name = factory.Sequence(lambda n: f"指标{n}")
    operator = Operator.GE
    target_value = Decimal("100")
    target_grade = ""
    unit = "人次"
    weight = Decimal("10")
    direction = Direction.POSITIVE
    position = factory.Sequence(lambda n: n)


class PeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReportingPeriod
        django_get_or_create = ["code"]

    year = 2025
    code = "2025-final"
    name = "2025 年度绩效自评"
    kind = PeriodKind.SELF_EVALUATION
    cutoff_month = 12
    deadline = datetime.date(2026, 3, 31)


class IndicatorRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IndicatorRecord

    indicator = factory.SubFactory(IndicatorFactory)
    period = factory.SubFactory(PeriodFactory)


class ProjectRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjectRecord

    project = factory.SubFactory(ProjectFactory)
    period = factory.SubFactory(PeriodFactory)


class MonitoringPeriodFactory(PeriodFactory):
    """A 1–7 月 in-year monitoring period (双监控)."""

    code = "2025-07"
    name = "2025 年 1–7 月绩效运行监控"
    kind = PeriodKind.MONITORING
    cutoff_month = 7
    deadline = datetime.date(2025, 8, 15)


class NoticeFactory(factory.django.DjangoModelFactory):
    """An in-app notice (performance.reminders)."""

    class Meta:
        model = "performance.Notice"

    recipient = factory.SubFactory(UserFactory)
    subject = factory.Sequence(lambda n: f"【绩效通】测试通知{n}")
    body = "测试单位：1 个项目未提交"
    url = ""


class AnnualGoalFactory(factory.django.DjangoModelFactory):
    """年度目标 of a project (the project page shows it)."""

    class Meta:
        model = "performance.AnnualGoal"

    project = factory.SubFactory(ProjectFactory)
    text = "完成年度工作任务，保障业务正常运行。"


class ImportJobFactory(factory.django.DjangoModelFactory):
    """An actuals upload (ImportJob) of one user, restricted to the given unit codes."""

    class Meta:
        model = "performance.ImportJob"

    file = factory.django.FileField(filename="actuals.xlsx", data=b"not read")
    original_name = "actuals.xlsx"
    kind = "actuals"
    period = factory.SubFactory(PeriodFactory)
    created_by = factory.SubFactory(UserFactory)
    unit_codes = factory.LazyFunction(list)
    dry_run = False


class CheckBatchFactory(factory.django.DjangoModelFactory):
    """A 复核批次 drawn by hand in a test (the draw service makes real ones)."""

    class Meta:
        model = CheckBatch

    period = factory.SubFactory(PeriodFactory)
    name = factory.Sequence(lambda n: f"第{n + 1}批")
    seed = "20260301"
    rules = factory.LazyFunction(dict)
    drawn_at = factory.LazyFunction(lambda: datetime.datetime(2026, 3, 1, 9, 0,
                                                              tzinfo=datetime.UTC))


class CheckedProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CheckedProject

    batch = factory.SubFactory(CheckBatchFactory)
    period = factory.SelfAttribute("batch.period")
    project = factory.SubFactory(ProjectFactory)
    reason = "hand"


class CheckScoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CheckScore

    checked = factory.SubFactory(CheckedProjectFactory)
    indicator = factory.SubFactory(IndicatorFactory)
    weight = factory.SelfAttribute("indicator.weight")
    score = factory.SelfAttribute("indicator.weight")


class RectificationFactory(factory.django.DjangoModelFactory):
    """A 整改事项 raised by hand (the services raise the others)."""

    class Meta:
        model = Rectification

    project = factory.SubFactory(ProjectFactory)
    unit = factory.SelfAttribute("project.unit")
    period = factory.SubFactory(PeriodFactory)
    source = "manual"
    problem = "培训台账不完整"
    required_action = "补齐培训签到表和影像资料"
    deadline = datetime.date(2026, 6, 30)
    raised_at = factory.LazyFunction(lambda: datetime.datetime(2026, 4, 1, 9, 0,
                                                               tzinfo=datetime.UTC))


class BudgetSuggestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BudgetSuggestion

    project = factory.SubFactory(ProjectFactory)
    period = factory.SubFactory(PeriodFactory)
    total = Decimal("85.00")
    grade = "良"
    grade_source = "self"
    base_amount = factory.SelfAttribute("project.budget_amount")
    action = "keep"
    suggested_amount = factory.SelfAttribute("project.budget_amount")
    computed_at = factory.LazyFunction(lambda: datetime.datetime(2026, 4, 1, 9, 0,
                                                                 tzinfo=datetime.UTC))
