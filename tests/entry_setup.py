"""The people and the project the entry tests share: a unit with a filler and a unit reviewer,
a finance reviewer, an outsider (a filler of another unit), one project with its indicators,
and a period. Built from tests/factories.py."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import factory
import time_machine

from budget.models import Role
from performance.domain import Operator
from performance.services.period_lock import lock_period
from tests.factories import (
    AnnualGoalFactory,
    IndicatorFactory,
    MembershipFactory,
    MonitoringPeriodFactory,
    PeriodFactory,
    ProjectFactory,
    UnitFactory,
    UserFactory,
)

PASSWORD = "pw-for-tests"
UNUSABLE = factory.Transformer.Force("!")  # no hashing: PBKDF2 costs ~0.4 s a user


@dataclass
class Team:
    unit: object
    other_unit: object
    project: object
    indicators: list
    period: object
    filler: object
    reviewer: object
    finance: object
    outsider: object

    def people(self) -> dict:
        return {"filler": self.filler, "reviewer": self.reviewer, "finance": self.finance,
                "outsider": self.outsider}


def make_team(*, indicators: int = 3, monitoring: bool = False, qualitative: bool = False) -> Team:
    unit = UnitFactory(name="广元市社会保险事务中心（测试）")
    other = UnitFactory()
    project = ProjectFactory(unit=unit, budget_amount=Decimal("100.00"))
    AnnualGoalFactory(project=project)
    weight = (Decimal(90) / indicators).quantize(Decimal("0.01"))
    made = [IndicatorFactory(project=project, weight=weight, target_value=Decimal(100))
            for _ in range(indicators)]
    if qualitative:
        made.append(IndicatorFactory(project=project, operator=Operator.QUALITATIVE,
                                     target_value=None, target_grade="优", unit="",
                                     weight=Decimal(10), levels=("满意度指标", "服务对象满意度指标")))
    period = MonitoringPeriodFactory() if monitoring else PeriodFactory()
    return Team(
        unit=unit, other_unit=other, project=project, indicators=made, period=period,
        filler=_member(unit, Role.FILLER, "张填报"),
        reviewer=_member(unit, Role.UNIT_REVIEWER, "李审核"),
        finance=_member(None, Role.FINANCE_REVIEWER, "王财政"),
        outsider=_member(other, Role.FILLER, "赵外单位"),
    )


def _member(unit, role, name):
    user = UserFactory(first_name=name, password=UNUSABLE)  # fast; see with_password
    MembershipFactory(user=user, unit=unit, role=role)
    return user


def with_password(user, password: str = PASSWORD):
    """Give `user` a real password (hashing is slow: only for tests that log in by form)."""
    user.set_password(password)
    user.save(update_fields=["password"])
    return user


LOCKED_AT = datetime.datetime(2026, 4, 1, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


def lock(period, user, reason: str = "填报截止，数据已汇总", at=LOCKED_AT):
    """Lock `period` as finance would (performance.services.period_lock), at `at`."""
    with time_machine.travel(at, tick=False):
        lock_period(period, user, reason)
    period.refresh_from_db()
    return period
