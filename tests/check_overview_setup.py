"""Checks the overview tests share: two units with three concluded checks and one in progress,
snapshot figures set by hand (as the check service would leave them).

Unit A: 92.00 优 → 81.50 良 (grade changed), 85.00 良 → 80.00 良, and 70.00 中 → 50.00 差 still
复核中 (left out). Averages over the concluded: self (92 + 85) / 2 = 88.50, 复核 (81.50 + 80) / 2
= 80.75, deviation 7.75. Unit B: 78.00 中 → 80.00 良 (grade changed), deviation −2.00.
Period: self (92 + 85 + 78) / 3 = 85.00, 复核 (81.50 + 80 + 80) / 3 = 80.50, deviation 4.50."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from performance.models import CheckStatus
from tests.factories import CheckBatchFactory, CheckedProjectFactory, ProjectFactory, UnitFactory

CONCLUDED_AT = datetime.datetime(2026, 4, 10, 9, 0, tzinfo=datetime.UTC)


@dataclass
class Checks:
    unit_a: object
    unit_b: object
    batch: object
    changed_a: object
    kept_a: object
    in_progress_a: object
    changed_b: object


def check(batch, project, self_total, self_grade, check_total, check_grade, *,
          done: bool = True, **extra):
    fields = {"status": CheckStatus.IN_PROGRESS}
    if done:
        fields = {"status": CheckStatus.DONE, "conclusion": "复核完成，得分如表。",
                  "concluded_at": CONCLUDED_AT}
    return CheckedProjectFactory(batch=batch, project=project, self_total=Decimal(self_total),
                                 self_grade=self_grade, check_total=Decimal(check_total),
                                 check_grade=check_grade, **{**fields, **extra})


def make_checks(period, unit_a=None) -> Checks:
    unit_a = unit_a or UnitFactory(code="910001", name="甲单位")
    unit_b = UnitFactory(code="910002", name="乙单位")
    batch = CheckBatchFactory(period=period)
    return Checks(
        unit_a=unit_a, unit_b=unit_b, batch=batch,
        changed_a=check(batch, ProjectFactory(unit=unit_a, name="甲项目一"), "92.00", "优",
                        "81.50", "良"),
        kept_a=check(batch, ProjectFactory(unit=unit_a, name="甲项目二"), "85.00", "良",
                     "80.00", "良"),
        in_progress_a=check(batch, ProjectFactory(unit=unit_a, name="甲项目三"), "70.00", "中",
                            "50.00", "差", done=False),
        changed_b=check(batch, ProjectFactory(unit=unit_b, name="乙项目一"), "78.00", "中",
                        "80.00", "良"),
    )
