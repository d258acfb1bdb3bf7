"""A small monitored world for the dashboard tests: units with projects, values and users."""

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import User

from budget.models import Role, Unit
from performance.domain import LEVEL2_NAMES
from performance.models import IndicatorLevel1, IndicatorLevel2, ReportingPeriod
from performance.services.snapshot import refresh_snapshots
from tests.factories import (
    IndicatorFactory,
    IndicatorRecordFactory,
    MembershipFactory,
    MonitoringPeriodFactory,
    ProjectFactory,
    ProjectRecordFactory,
    UnitFactory,
)


@dataclass
class World:
    period: ReportingPeriod
    unit: Unit
    other: Unit
    filler: object
    reviewer: object
    finance: object
    outsider: object

    def user(self, role: str):
        return getattr(self, role)


def monitored_project(period, unit, *, spent="3.50", count_actual="35", rate_actual="100",
                      name=None):
    """A project with a cumulative count (T 100 人次) and a level rate (T 100 %), both filled in
    with actual and expected values, reasons and measures."""
    project = ProjectFactory(unit=unit, budget_amount=Decimal(10),
                             **({"name": name} if name else {}))
    count = IndicatorFactory(project=project, unit="人次", target_value=Decimal(100),
                             weight=Decimal(45), name=f"{project.name}培训人次")
    rate = IndicatorFactory(project=project, levels=("满意度指标", "满意度指标"), unit="%",
                            target_value=Decimal(100), weight=Decimal(45),
                            name=f"{project.name}满意度")
    IndicatorRecordFactory(indicator=count, period=period, actual_value=Decimal(count_actual),
                           expected_value=Decimal(80), likelihood="有可能",
                           deviation_reasons=["经费", "人员"], corrective_measures="加快培训进度")
    IndicatorRecordFactory(indicator=rate, period=period, actual_value=Decimal(rate_actual),
                           expected_value=Decimal(95))
    ProjectRecordFactory(project=project, period=period, spent=Decimal(spent))
    return project


def add_units(period, n: int, *, projects: int = 2) -> list[Unit]:
    units = []
    for _ in range(n):
        unit = UnitFactory()
        for _ in range(projects):
            monitored_project(period, unit, count_actual="10")
        units.append(unit)
    return units


def ensure_levels() -> None:
    """The reference 一级/二级指标 the migrations seed (gone after a transactional test's flush)."""
    for position, (name1, names2) in enumerate(LEVEL2_NAMES.items(), start=1):
        level1, _ = IndicatorLevel1.objects.get_or_create(name=name1, defaults={"position": position})
        for position2, name2 in enumerate(names2, start=1):
            IndicatorLevel2.objects.get_or_create(level1=level1, name=name2,
                                                  defaults={"position": position2})


def build_world() -> World:
    ensure_levels()
    period = MonitoringPeriodFactory()
    unit = UnitFactory(code="342601", name="广元市社会保险事务中心")
    other = UnitFactory(code="342602", name="广元市就业服务中心")
    monitored_project(period, unit, count_actual="10", spent="1", name="落后项目")  # red
    monitored_project(period, unit, count_actual="50", spent="6", name="正常项目")  # green
    monitored_project(period, other, name="其他单位项目")
    refresh_snapshots(period)
    return World(
        period=period, unit=unit, other=other,
        filler=member("filler", unit, Role.FILLER),
        reviewer=member("reviewer", unit, Role.UNIT_REVIEWER),
        finance=member("finance", None, Role.FINANCE_REVIEWER),
        outsider=member("outsider", other, Role.FILLER),
    )


def member(username: str, unit, role):
    """A user with one role (no password: the tests log in with force_login, and hashing one
    costs half a second)."""
    user = User.objects.create(username=username)
    MembershipFactory(user=user, unit=unit, role=role)
    return user
