"""bench/api.py's data: a self-evaluation period of generated projects with numeric indicators,
their values and money spent, a finance reviewer and a filler of every unit, each with a personal
API token. Imported after Django is set up."""

import random
import time
from dataclasses import dataclass, field
from decimal import Decimal

PROJECTS_PER_UNIT = 20
PERIOD = "2099-final"


def generate(period, projects: int, per_project: int):
    """Units of PROJECTS_PER_UNIT projects, each with `per_project` numeric indicators
    (weights summing to 90, the rest is the money's), an entered value for each and the money
    spent; drafts, so the filler may change them."""
    from budget.models import Project, ProjectCategory, Unit
    from performance.domain import Direction, Operator
    from performance.models import (
        Indicator,
        IndicatorLevel2,
        IndicatorRecord,
        ProjectRecord,
        WorkflowStatus,
    )

    rng = random.Random(2025)
    levels = list(IndicatorLevel2.objects.order_by("id"))
    n_units = -(-projects // PROJECTS_PER_UNIT)
    units = Unit.objects.bulk_create(
        Unit(code=f"A{i:05d}", name=f"广元市接口基准第{i}社会保险事务服务中心")
        for i in range(n_units))
    made = Project.objects.bulk_create(
        (Project(unit=units[i % n_units], year=period.year,
                 name=f"社会保险经办能力提升专项经费（第{i}期）",
                 category=rng.choice(ProjectCategory.values),
                 budget_amount=Decimal(rng.randint(10, 500))) for i in range(projects)),
        batch_size=2000)
    weight = (Decimal(90) / per_project).quantize(Decimal("0.01"))
    indicators = []
    for project in made:
        for position in range(per_project):
            level2 = levels[position % len(levels)]
            negative = position % 4 == 3
            indicators.append(Indicator(
                project=project, level1_id=level2.level1_id, level2=level2,
                name=f"指标{position:02d}：保障社会保险经办服务的长名称指标", weight=weight,
                operator=Operator.LE if negative else Operator.GE,
                target_value=Decimal(rng.randint(10, 5000)), unit="人次", position=position,
                direction=Direction.NEGATIVE if negative else Direction.POSITIVE))
    Indicator.objects.bulk_create(indicators, batch_size=5000)
    IndicatorRecord.objects.bulk_create(
        (IndicatorRecord(indicator=i, period=period, actual_value=(
            i.target_value * Decimal(rng.randint(50, 130)) / 100).quantize(Decimal("0.01")))
         for i in indicators), batch_size=5000)
    ProjectRecord.objects.bulk_create(
        (ProjectRecord(project=p, period=period, status=WorkflowStatus.DRAFT,
                       spent=(p.budget_amount * Decimal(rng.randint(5, 90)) / 100).quantize(
                           Decimal("0.01"))) for p in made), batch_size=2000)


@dataclass
class World:
    period: object
    projects: list  # ids, in order
    indicators: dict  # project id → its indicator ids, in order
    budgets: dict  # project id → budget
    finance: object
    filler: object
    finance_token: str
    filler_token: str
    stamp: int = field(default_factory=lambda: int(time.time()) % 10_000)  # this run's values


def build(projects: int, per_project: int) -> World:
    from django.contrib.auth.models import User

    from accounts.models import ApiToken, TokenScope
    from accounts.tokens import create_token
    from budget.models import Membership, Project, Role, Unit
    from performance.models import Indicator, PeriodKind, ReportingPeriod
    from performance.services.snapshot import refresh_snapshots

    period, _ = ReportingPeriod.objects.get_or_create(
        code=PERIOD, defaults={"year": 2099, "name": "2099 年度绩效自评（接口基准）",
                               "kind": PeriodKind.SELF_EVALUATION, "cutoff_month": 12})
    if not Project.objects.filter(year=period.year).exists():
        start = time.perf_counter()
        generate(period, projects, per_project)
        refresh_snapshots(period)
        print(f"generated (and snapshots refreshed) in {time.perf_counter() - start:.1f} s")
    finance, _ = User.objects.get_or_create(username="bench-api-finance",
                                            defaults={"first_name": "基准财政"})
    Membership.objects.get_or_create(user=finance, unit=None, role=Role.FINANCE_REVIEWER)
    filler, _ = User.objects.get_or_create(username="bench-api-filler",
                                           defaults={"first_name": "基准填报"})
    for unit in Unit.objects.filter(projects__year=period.year).distinct():
        Membership.objects.get_or_create(user=filler, unit=unit, role=Role.FILLER)
    ApiToken.objects.filter(user__in=[finance, filler]).delete()  # --keep: no pile of tokens
    budgets = dict(Project.objects.filter(year=period.year).order_by("id")
                   .values_list("id", "budget_amount"))
    indicators = {}
    for project_id, indicator_id in Indicator.objects.filter(
            project__year=period.year).order_by("project_id", "position", "id").values_list(
            "project_id", "id"):
        indicators.setdefault(project_id, []).append(indicator_id)
    return World(period, list(budgets), indicators, budgets, finance, filler,
                 create_token(finance, "bench", TokenScope.READ, 30).plaintext,
                 create_token(filler, "bench", TokenScope.READ_WRITE, 30).plaintext)
